// Yoti's Node SDK reading a completed session's results: the ID documents' pages, portrait
// and expanded fields (their media fetched through the SDK), and the document comparison.
// Prints one JSON line. Usage: node results.js BASE SDK_ID PEM_PATH SESSION_ID
'use strict';

const fs = require('fs');
const { IDVClient } = require('yoti');

const [base, sdkId, pemPath, sessionId] = process.argv.slice(2);
const client = new IDVClient(sdkId, fs.readFileSync(pemPath), { apiUrl: base });

(async () => {
  const session = await client.getSession(sessionId);
  const documents = [];
  for (const document of session.getResources().getIdDocuments()) {
    const photo = document.getDocumentIdPhoto();
    const expanded = document.getExpandedDocumentFields();
    const photoMedia = photo ? await client.getMediaContent(sessionId, photo.getMedia().getId()) : null;
    const expandedMedia = expanded
      ? await client.getMediaContent(sessionId, expanded.getMedia().getId()) : null;
    documents.push({
      id: document.getId(),
      pages: document.getPages().map((p) => ({
        method: p.getCaptureMethod(),
        frames: p.getFrames().map((f) => f.getMedia().getId() === p.getMedia().getId()),
      })),
      photo: photoMedia ? { type: photoMedia.getMimeType(), bytes: photoMedia.getContent().length } : null,
      expanded: expandedMedia ? JSON.parse(expandedMedia.getContent().toString()) : null,
    });
  }
  const comparisons = session.getIdDocumentComparisonChecks().map((check) => ({
    state: check.getState(),
    resourcesUsed: check.getResourcesUsed(),
    recommendation: check.getReport().getRecommendation().getValue(),
    breakdown: check.getReport().getBreakdown().map((b) => [b.getSubCheck(), b.getResult()]),
  }));
  console.log(JSON.stringify({ documents, comparisons }));
})().catch((err) => { console.error(err); process.exit(1); });
