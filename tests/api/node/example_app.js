// Yoti's Node IDV example app, as the npm package ships it (node_modules/yoti/examples/idv),
// its controllers run unchanged: only the base URL differs (YOTI_IDV_API_URL, which the SDK's
// config reads), with the example's own YOTI_CLIENT_SDK_ID and YOTI_KEY_FILE_PATH. Express is
// left out: each controller gets the request and response objects it uses (req.session,
// req.query, res.render), and what it renders is printed, one JSON line per call.
//
//   node example_app.js create                 each use case's session: {useCase, page, sessionId, token | error}
//   node example_app.js read SESSION_ID...     the success page's data per session, its media fetched
'use strict';

const path = require('path');

const EXAMPLE = path.join(__dirname, 'node_modules', 'yoti', 'examples', 'idv', 'src');
const { useCasesControllers, successController } = require(path.join(EXAMPLE, 'controllers'));
const { IDVClient } = require('yoti');
const fs = require('fs');

function render(controller, req) {
  return new Promise((resolve, reject) => {
    const res = { render: (page, data) => resolve({ page, data }) };
    Promise.resolve(controller(req, res)).catch(reject);
  });
}

async function create() {
  for (const [useCase, controller] of Object.entries(useCasesControllers)) {
    const req = { session: {}, query: {} };
    const { page, data } = await render(controller, req);
    const line = { useCase, page, sessionId: req.session.IDV_SESSION_ID, token: req.session.IDV_SESSION_TOKEN };
    if (page === 'pages/error') line.error = String((data.error && data.error.message) || data.error);
    if (data.error && data.error.getResponse) {
      const response = data.error.getResponse();
      line.status = data.error.getResponseStatusCode ? data.error.getResponseStatusCode() : null;
      line.body = response && (response.body || response.text);
    }
    console.log(JSON.stringify(line));
  }
}

async function read(sessionIds) {
  const client = new IDVClient(process.env.YOTI_CLIENT_SDK_ID, fs.readFileSync(process.env.YOTI_KEY_FILE_PATH));
  for (const sessionId of sessionIds) {
    const { page, data } = await render(successController, { session: {}, query: { sessionID: sessionId } });
    if (page !== 'pages/success') {
      console.log(JSON.stringify({ sessionId, page, error: String(data.error) }));
      continue;
    }
    const result = data.sessionResult;
    const resources = result.getResources();
    const media = [];
    const tasks = [...resources.getIdDocuments(), ...resources.getSupplementaryDocuments()]
      .flatMap((document) => document.getTasks().map((t) => ({ type: t.getType(), state: t.getState() })));
    const documents = resources.getIdDocuments().map((document) => {
      const fields = document.getDocumentFields();
      if (fields) media.push(fields.getMedia().getId());
      document.getPages().forEach((p) => {
        media.push(p.getMedia().getId());
        p.getFrames().forEach((f) => media.push(f.getMedia().getId()));
      });
      return { type: document.getDocumentType(), pages: document.getPages().length, fields: Boolean(fields) };
    });
    resources.getZoomLivenessResources().forEach((r) => r.getFrames().forEach((f) => f.getMedia() && media.push(f.getMedia().getId())));
    resources.getStaticLivenessResources().forEach((r) => r.getImage() && media.push(r.getImage().getId()));
    resources.getFaceCaptureResources().forEach((r) => r.getImage() && media.push(r.getImage().getMedia().getId()));
    const fetched = [];
    for (const id of media) {
      const content = await client.getMediaContent(sessionId, id);
      fetched.push(content ? content.getMimeType() : null);
    }
    console.log(JSON.stringify({
      sessionId,
      page,
      state: result.getState(),
      checks: result.getChecks().map((c) => ({
        type: c.getType(),
        state: c.getState(),
        recommendation: c.getReport() ? c.getReport().getRecommendation().getValue() : null,
      })),
      tasks,
      documents,
      liveness: resources.getLivenessCapture().length,
      faceCaptures: resources.getFaceCaptureResources().length,
      media: fetched,
    }));
  }
}

(async () => {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'create') await create();
  else await read(rest);
})().catch((err) => { console.error(err); process.exit(1); });
