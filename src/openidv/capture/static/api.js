// The client API (mounted next to this page under ../client). The token travels only in the
// X-Yoti-Auth-Token header: never in a URL, so it cannot leak into logs or caches.

// A failure the journey cannot recover from; `code` is Yoti's yotiErrorCode.
export class Fatal extends Error {
  constructor(code, cause) {
    super(`yotiErrorCode ${code}`, { cause });
    this.code = code;
  }
}

// A failure worth a retry by the user (network, server busy): `code` picks the message.
export class Retryable extends Error {
  constructor(code, cause) {
    super(`yotiErrorCode ${code}`, { cause });
    this.code = code;
  }
}

// A refusal the caller expected and handles itself (409 LIVENESS_PASSED…): `code` is the API's.
export class Refused extends Error {
  constructor(code, problems = []) {
    super(code);
    this.code = code;
    this.problems = problems; // the errors' messages: PHOTO_QUALITY lists what to fix
  }
}

const REFUSALS = { BAD_TOKEN: 2000, SESSION_NOT_FOUND: 2001, SESSION_EXPIRED: 2002, SESSION_SUBMITTED: 2000 };

export class Client {
  constructor(sessionId, token) {
    this.base = new URL(`../client/sessions/${encodeURIComponent(sessionId)}/`, location.href);
    this.token = token;
  }

  async call(method, path, body, contentType, { expect = [], extra = {}, raw = false } = {}) {
    const headers = { 'X-Yoti-Auth-Token': this.token, ...extra };
    if (contentType) headers['Content-Type'] = contentType;
    let response;
    try {
      response = await fetch(new URL(path, this.base), {
        method, headers, body, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
      });
    } catch (error) {
      throw new Retryable(navigator.onLine === false ? 3002 : 3001, error);
    }
    if (response.ok) return raw ? response.blob() : response.status === 202 ? null : response.json();
    let code = '';
    let problems = [];
    try {
      const body = await response.json();
      code = body.code;
      problems = (body.errors || []).map((error) => error.message);
    } catch { /* not our JSON: a proxy's page */ }
    if (expect.includes(code)) throw new Refused(code, problems);
    if (REFUSALS[code]) throw new Fatal(REFUSALS[code]);
    if (response.status === 401) throw new Fatal(2000);
    if (response.status >= 500) throw new Retryable(3000);
    // Anything else means this page and the server disagree: not something a retry fixes.
    throw new Fatal(5004, new Error(`${method} ${path}: ${response.status} ${code}`));
  }

  configuration() { return this.call('GET', 'configuration'); }

  createResource(requirementId, documentType, issuingCountry) {
    const body = { requirement_id: requirementId };
    if (documentType) Object.assign(body, { document_type: documentType, issuing_country: issuingCountry });
    return this.call('POST', 'resources', JSON.stringify(body), 'application/json');
  }

  // `quality`: 'check' asks the server to judge a document's photo first (422 PHOTO_QUALITY,
  // thrown as Refused with the problems); 'accept' stores it as it is.
  uploadMedia(resourceId, blob, method, nonce, quality) {
    let path = `resources/${encodeURIComponent(resourceId)}/media?capture_method=${method}`;
    if (quality) path += `&quality=${quality}`;
    const expect = quality === 'check' ? ['PHOTO_QUALITY'] : [];
    return this.call('PUT', path, blob, blob.type, { expect, extra: nonce ? { 'X-Liveness-Nonce': nonce } : {} });
  }

  // A camera frame of a page already sent (taken while the user aimed at the document).
  uploadFrame(resourceId, pageId, blob) {
    const path = `resources/${encodeURIComponent(resourceId)}/pages/${encodeURIComponent(pageId)}/frames`;
    return this.call('PUT', path, blob, blob.type);
  }

  // What was captured so far: the resume point after a reload or Back.
  journey() { return this.call('GET', 'journey'); }

  // Liveness: one attempt (a resource with its own challenge), its frames, then its verdict.
  startLiveness(requirementId) {
    const expect = ['LIVENESS_ATTEMPTS_EXHAUSTED', 'LIVENESS_ATTEMPT_PENDING', 'LIVENESS_PASSED'];
    return this.call('POST', 'liveness-attempts', JSON.stringify({ requirement_id: requirementId }), 'application/json', { expect });
  }

  evaluateLiveness(id) { return this.call('POST', `liveness-attempts/${encodeURIComponent(id)}/evaluate`); }

  livenessAttempt(id) { return this.call('GET', `liveness-attempts/${encodeURIComponent(id)}`); }

  // Cross-device hand-off: the QR code (SVG) of the link for the phone, and what it has done.
  handoffCode() { return this.call('GET', 'handoff', undefined, undefined, { raw: true }); }

  progress() { return this.call('GET', 'progress'); }

  consent() { return this.call('POST', 'consent'); }

  submit() { return this.call('POST', 'submit'); }
}
