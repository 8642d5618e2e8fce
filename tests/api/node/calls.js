// Yoti's Node SDK as an integrator uses it, nothing changed but the base URL. Prints one JSON
// line per call: {call, ok, value | status, message}. Usage: node calls.js BASE SDK_ID PEM_PATH
'use strict';

const fs = require('fs');
const {
  IDVClient, SessionSpecificationBuilder, RequestedDocumentAuthenticityCheckBuilder,
  RequestedLivenessCheckBuilder, RequestedFaceMatchCheckBuilder, RequestedTextExtractionTaskBuilder,
  SdkConfigBuilder, CreateFaceCaptureResourcePayloadBuilder, RequestedFaceComparisonCheckBuilder,
  UploadFaceCaptureImagePayloadBuilder,
} = require('yoti');

const [base, sdkId, pemPath, imagePath] = process.argv.slice(2);
const client = new IDVClient(sdkId, fs.readFileSync(pemPath), { apiUrl: base });

async function step(call, run) {
  try {
    const value = await run();
    console.log(JSON.stringify({ call, ok: true, value }));
    return value;
  } catch (err) {
    const status = err.getResponseStatusCode ? err.getResponseStatusCode() : null;
    console.log(JSON.stringify({ call, ok: false, status, message: err.message }));
    return null;
  }
}

(async () => {
  // The builders' defaults: the liveness check's max_retries is left at Node's default (1).
  const spec = new SessionSpecificationBuilder()
    .withClientSessionTokenTtl(600)
    .withResourcesTtl(90000)
    .withUserTrackingId('node-sdk')
    .withRequestedCheck(new RequestedDocumentAuthenticityCheckBuilder().build())
    .withRequestedCheck(new RequestedLivenessCheckBuilder().forZoomLiveness().build())
    .withRequestedCheck(new RequestedFaceMatchCheckBuilder().withManualCheckFallback().build())
    .withRequestedCheck(new RequestedFaceComparisonCheckBuilder().withManualCheckNever().build())
    .withRequestedTask(new RequestedTextExtractionTaskBuilder().withManualCheckFallback().build())
    .withSdkConfig(new SdkConfigBuilder().withAllowsCameraAndUpload().withLocale('en-GB').build())
    .build();
  const created = await step('createSession', async () => {
    const result = await client.createSession(spec);
    return { sessionId: result.getSessionId(), ttl: result.getClientSessionTokenTtl() };
  });
  if (!created) return;
  const id = created.sessionId;
  await step('getSession', async () => {
    const session = await client.getSession(id);
    return { state: session.getState(), checks: session.getChecks().map((c) => c.getType()) };
  });
  const required = await step('getSessionConfiguration', async () => {
    const config = await client.getSessionConfiguration(id);
    return config.getCapture().getRequiredResources().map((r) => [r.getType(), r.getId()]);
  });
  await step('getSessionTrackedDevices', async () => {
    const devices = await client.getSessionTrackedDevices(id);
    return devices.getDeviceEvents().length;
  });
  await step('deleteSessionTrackedDevices', async () => {
    await client.deleteSessionTrackedDevices(id);
    return true;
  });
  await step('getSupportedDocuments', async () => {
    const docs = await client.getSupportedDocuments();
    return docs.getSupportedCountries().length;
  });
  const face = await step('createFaceCaptureResource', async () => {
    const requirement = required.find(([type]) => type === 'FACE_CAPTURE')[1];
    const payload = new CreateFaceCaptureResourcePayloadBuilder().withRequirementId(requirement).build();
    const resource = await client.createFaceCaptureResource(id, payload);
    return { id: resource.getId(), frames: resource.getFrames() };
  });
  await step('uploadFaceCaptureImage', async () => {
    const payload = new UploadFaceCaptureImagePayloadBuilder()
      .forJpegImage().withImageContents(fs.readFileSync(imagePath)).build();
    await client.uploadFaceCaptureImage(id, face.id, payload);
    return true;
  });
  await step('getSessionFaceCapture', async () => {
    const session = await client.getSession(id);
    return session.getResources().getFaceCaptureResources().map((r) => r.getId());
  });
  await step('deleteSession', async () => {
    await client.deleteSession(id);
    return true;
  });
})();
