// The capture journey: get the session (URL or INIT_SESSION), read its configuration, run
// the steps it asks for, submit, then redirect or tell the parent window.
import { Client, Fatal, Refused, Retryable } from './api.js';
import { CameraError, fromFile, grab, startCamera, stopCamera } from './camera.js';
import * as i18n from './i18n.js';
import { captureFrames, reportCamera, staticPhases, zoomPhases } from './liveness.js';

const $ = (selector, root = document) => root.querySelector(selector);
const t = i18n.t;
const framed = window.parent !== window;
const STORE = 'openidv.session';
const ONE_SIDED = new Set(['PASSPORT', 'TRAVEL_DOCUMENT']); // cards have a back worth reading
const SUPPLEMENTARY_TYPES = ['UTILITY_BILL', 'BANK_STATEMENT', 'COUNCIL_TAX'];
const ATTEMPT = 'openidv.attempt';
// ZOOM and STATIC's burst: liveness.js (phases, frames sent while captured, camera facts).
const HINTS = new Set(['FACE_NOT_FOUND', 'MULTIPLE_FACES', 'MOVE_CLOSER', 'HOLD_STILL', 'TURN_FURTHER', 'BETTER_LIGHT', 'TOO_FEW_FRAMES', 'TRY_AGAIN']);
const VERDICT_WAIT = 60_000;
const COLOURS = { '--primary': 'primary_colour', '--secondary': 'secondary_colour', '--font': 'font_colour' };

let sdk = {};
let client = null;
let session = null;
let handoff = null; // on a desktop with allow_handoff: { promise, begin, asked }
let handedOff = false;

// Unwinds the journey on this device when it continues on a phone.
class HandOff extends Error {}

// The events carry no secret and the integrator's origin is unknown to us, hence '*'.
const post = (message) => framed && window.parent.postMessage(message, '*');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (code) => (t(`error.${code}`) === `error.${code}` ? t('error.5004') : t(`error.${code}`));

function show(id) {
  // A step left running when the journey moved to the phone must not take the screen back.
  if (handedOff && !['handoff', 'done', 'failed'].includes(id)) throw new HandOff();
  const section = document.getElementById(id);
  const fresh = section.hidden;
  for (const other of document.querySelectorAll('main > section')) other.hidden = other !== section;
  for (const msg of section.querySelectorAll('.msg')) msg.textContent = '';
  // A new screen: its heading takes the focus, so keyboard and screen reader users start there.
  const heading = $('h1', section);
  if (fresh && heading && document.hasFocus()) { // never steal the focus from an embedding page
    heading.tabIndex = -1;
    heading.focus();
  }
  return section;
}

function say(section, text) {
  $('.msg', section).textContent = text;
}

// Only http(s): a javascript: URL in sdk_config must not run in this page.
function safeUrl(value) {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}

// --------------------------------------------------------------------------- the session

function remember(session) {
  try { sessionStorage.setItem(STORE, JSON.stringify(session)); } catch { /* storage blocked: a reload restarts */ }
}

function forget() {
  try { sessionStorage.removeItem(STORE); } catch { /* nothing kept */ }
}

function fromUrl() {
  const query = new URLSearchParams(location.search);
  if (query.has('sessionID') || query.has('sessionToken')) {
    // handoff=1: this is the phone a desktop handed the journey to (from its QR code).
    const session = { id: query.get('sessionID'), token: query.get('sessionToken'), phone: query.get('handoff') === '1' };
    // Out of the address bar and the history; kept for this tab only, so a reload still works.
    history.replaceState(null, '', location.pathname);
    remember(session);
    return session;
  }
  try { return JSON.parse(sessionStorage.getItem(STORE)); } catch { return null; }
}

function fromParent() {
  return new Promise((resolve) => {
    addEventListener('message', function listen(event) {
      if (event.source !== window.parent || event.data?.eventType !== 'INIT_SESSION') return;
      removeEventListener('message', listen);
      resolve({ id: event.data.sessionID, token: event.data.sessionToken });
    });
  });
}

// --------------------------------------------------------------------------- helpers

// Show a retryable problem; resolves when the user retries, rejects (ends the journey) on cancel.
function offerRetry(code, fatalCode = code) {
  if (handedOff) throw new HandOff(); // a step abandoned for the phone: not the user's problem
  const section = show('failed');
  $('#failed-text').textContent = message(code);
  const retry = $('#failed-retry', section);
  const cancel = $('#failed-cancel', section);
  retry.hidden = cancel.hidden = false;
  return new Promise((resolve, reject) => {
    retry.onclick = () => resolve();
    cancel.onclick = () => reject(new Fatal(fatalCode));
  });
}

async function persist(action) {
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      await offerRetry(error.code, typeof error.code === 'number' ? error.code : 5006);
    }
  }
}

// Run `action` on each click until it succeeds; a retryable failure is shown in the section.
function untilDone(button, section, action) {
  return new Promise((resolve, reject) => {
    button.onclick = async () => {
      button.disabled = true;
      try {
        const value = await action();
        button.onclick = null;
        resolve(value);
      } catch (error) {
        if (error instanceof Retryable) say(section, message(error.code));
        else reject(error);
      } finally {
        button.disabled = false;
      }
    };
  });
}

// Start the camera; without an alternative, a failure offers a retry or ends the journey.
async function camera(video, facing, canUpload) {
  for (;;) {
    try {
      await startCamera(video, facing);
      if (handedOff) throw new HandOff();
      return true;
    } catch (error) {
      if (!(error instanceof CameraError)) throw error;
      if (handoff && error.code === 5000) { // no camera here: the phone has one
        handoff.begin();
        throw new HandOff();
      }
      if (canUpload) return false;
      await offerRetry(error.code);
    }
  }
}

// --------------------------------------------------------------------------- steps

async function chooseDocument(requirement) {
  const section = show('choose');
  const supplementary = requirement.type === 'SUPPLEMENTARY_DOCUMENT';
  $('#choose-title').textContent = t(supplementary ? 'choose.supplementary' : 'choose.title');
  const name = await i18n.countryNamer();
  const offered = new Map(
    supplementary
      ? (requirement.country_codes || i18n.allCountries()).map((code) => [code, requirement.document_types || SUPPLEMENTARY_TYPES])
      : (requirement.supported_countries || []).map((c) => [c.code, c.supported_documents.map((d) => d.type)]),
  );
  if (!offered.size) throw new Fatal(5008);
  const select = $('#country');
  const list = $('#type-list');
  const next = $('#choose-next');
  const placeholder = new Option(t('select'), '');
  placeholder.disabled = true;
  const collator = new Intl.Collator(i18n.language);
  const codes = [...offered.keys()].sort((a, b) => collator.compare(name(a), name(b)));
  select.replaceChildren(placeholder, ...codes.map((code) => new Option(name(code), code)));
  const preset = offered.has(sdk.preset_issuing_country) ? sdk.preset_issuing_country : codes.length === 1 ? codes[0] : '';
  select.value = preset;
  const chosenType = () => $('input[name="doctype"]:checked', list)?.value;
  const refresh = () => { next.disabled = !(select.value && chosenType()); };
  const listTypes = () => {
    const types = offered.get(select.value) || [];
    list.replaceChildren(...types.map((type) => {
      const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'doctype', value: type });
      input.checked = types.length === 1;
      input.onchange = refresh;
      const label = document.createElement('label');
      label.className = 'choice';
      label.append(input, i18n.documentName(type));
      return label;
    }));
    refresh();
  };
  select.onchange = listTypes;
  listTypes();
  return untilDone(next, section, async () => {
    const type = chosenType();
    const resource = await client.createResource(requirement.id, type, select.value);
    return { type, resourceId: resource.id };
  });
}

// One photo: camera (and file upload when allowed), review, then `accept` sends it.
async function capture({ title, hint, note = '', selfie = false, upload = false, accept }) {
  const section = show('capture');
  const video = $('#video');
  const guide = $('#guide');
  const preview = $('#preview');
  const shoot = $('#shoot');
  const acceptButton = $('#accept');
  const retake = $('#retake');
  $('#capture-title').textContent = title;
  $('#capture-hint').textContent = hint;
  $('#attempt').textContent = note;
  $('.viewer', section).classList.toggle('selfie', selfie);
  guide.className = `guide ${selfie ? 'oval' : 'document'}`;
  shoot.textContent = t('capture.shoot');
  let shot = null;
  let hasCamera = false;

  const live = () => {
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.hidden = acceptButton.hidden = retake.hidden = true;
    video.hidden = guide.hidden = shoot.hidden = !hasCamera;
  };
  const review = (blob, method) => {
    shot = { blob, method };
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(blob);
    preview.onerror = () => { preview.hidden = true; }; // HEIC: sent as it is, not shown here
    preview.hidden = acceptButton.hidden = false;
    retake.hidden = !hasCamera;
    video.hidden = guide.hidden = shoot.hidden = true;
    say(section, t('capture.check'));
  };

  const slot = $('#upload-slot');
  slot.replaceChildren(); // CAMERA only: no upload control in the page at all
  if (upload) {
    const label = Object.assign(document.createElement('label'), { className: 'button secondary' });
    const input = Object.assign(document.createElement('input'), {
      type: 'file', accept: 'image/jpeg,image/png,image/webp,image/heic,image/heif', className: 'visually-hidden',
    });
    label.append(t('capture.upload'), input);
    slot.append(label);
    input.onchange = async () => {
      const file = input.files[0];
      input.value = '';
      if (!file) return;
      try {
        review(await fromFile(file), 'UPLOAD');
      } catch {
        say(section, t('error.image'));
      }
    };
  }

  // Listening before the camera starts: a file may be chosen and accepted meanwhile.
  const accepted = untilDone(acceptButton, section, () => accept(shot.blob, shot.method));
  shoot.hidden = true;
  hasCamera = await camera(video, selfie ? 'user' : 'environment', upload);
  show('capture');
  if (!shot) live(); // a file chosen while the camera was starting stays in review
  else retake.hidden = !hasCamera;
  if (!hasCamera && !shot) say(section, t('capture.uploadOnly'));
  shoot.onclick = () => grab(video).then((blob) => review(blob, 'CAMERA'), () => say(section, message(5004)));
  retake.onclick = () => { say(section, ''); live(); };
  try {
    await accepted;
  } finally {
    stopCamera();
    shoot.onclick = retake.onclick = null;
    slot.replaceChildren();
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.removeAttribute('src');
    // Nothing stays clickable between this photo and the next step's.
    preview.hidden = acceptButton.hidden = retake.hidden = shoot.hidden = true;
  }
}

async function documentStep(requirement) {
  const choice = await chooseDocument(requirement);
  const methods = requirement.allowed_capture_methods || sdk.allowed_capture_methods || 'CAMERA_AND_UPLOAD';
  let sides = ['capture.front', 'capture.back'];
  if (requirement.type === 'SUPPLEMENTARY_DOCUMENT') sides = ['capture.supplementary'];
  else if (ONE_SIDED.has(choice.type)) sides = ['capture.passport'];
  for (const side of sides) {
    await capture({
      title: t(side),
      hint: t('capture.hint'),
      upload: methods === 'CAMERA_AND_UPLOAD',
      accept: (blob, method) => client.uploadMedia(choice.resourceId, blob, method),
    });
  }
}

// --------------------------------------------------------------------------- liveness

// The attempt in progress survives a reload (this tab only), so it can still be judged.
function recallAttempt(requirementId) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(ATTEMPT));
    return kept?.requirement === requirementId ? kept.id : null;
  } catch { return null; }
}

function keepAttempt(requirementId, id) {
  try {
    if (id) sessionStorage.setItem(ATTEMPT, JSON.stringify({ requirement: requirementId, id }));
    else sessionStorage.removeItem(ATTEMPT);
  } catch { /* storage blocked */ }
}

const attemptNote = (attempt) => (attempt.max_attempts > 1 ? t('liveness.attempt', { n: attempt.attempt, total: attempt.max_attempts }) : '');

// The camera view set up for a face: mirrored preview, oval guide, no upload control.
function faceViewer(title, hint, attempt) {
  const section = show('capture');
  $('#capture-title').textContent = title;
  $('#capture-hint').textContent = hint;
  $('#attempt').textContent = attemptNote(attempt);
  $('.viewer', section).classList.add('selfie');
  $('#guide').className = 'guide oval far';
  $('#cue').hidden = true;
  $('#upload-slot').replaceChildren();
  $('#preview').hidden = $('#accept').hidden = $('#retake').hidden = true;
  return section;
}

// ZOOM (far, closer, then the moves the server drew) or STATIC's short burst: Start, then
// frames (raw camera pixels, unmirrored), each sent while the page guides.
async function livenessFrames(attempt) {
  const zoom = attempt.liveness_type !== 'STATIC';
  const kind = zoom ? 'zoom' : 'static';
  const section = faceViewer(t(`liveness.${kind}.title`), t(`liveness.${kind}.hint`), attempt);
  const video = $('#video');
  const guide = $('#guide');
  const cue = $('#cue');
  const hint = $('#capture-hint');
  const shoot = $('#shoot');
  shoot.textContent = t('liveness.start');
  await camera(video, 'user', false);
  show('capture');
  video.hidden = guide.hidden = shoot.hidden = false;
  const nonce = attempt.challenge?.nonce;
  const send = (frame) => persist(() => client.uploadMedia(attempt.id, frame, 'CAMERA', nonce));
  try {
    return await untilDone(shoot, section, async () => {
      shoot.hidden = true;
      hint.focus();
      await reportCamera(client, attempt.id, video);
      // The user's own left: in the mirrored preview it is the screen's left too.
      return captureFrames(video, zoom ? zoomPhases(attempt.challenge) : staticPhases(), (phase) => {
        const move = !['fit', 'closer', 'hold'].includes(phase);
        hint.textContent = t(`liveness.${kind}.${phase}`);
        guide.classList.toggle('far', phase === 'fit');
        guide.classList.toggle('closer', zoom && phase !== 'fit');
        cue.className = `cue ${phase}`;
        cue.hidden = !move;
      }, send);
    });
  } finally {
    stopCamera();
    cue.hidden = shoot.hidden = true;
    guide.classList.remove('closer');
  }
}

// Evaluate (unless it already was), then poll until the attempt is DONE; slow: ask the user.
async function verdict(id, evaluate) {
  show('checking');
  if (evaluate) await persist(() => client.evaluateLiveness(id));
  for (;;) {
    show('checking');
    const deadline = Date.now() + VERDICT_WAIT;
    while (Date.now() < deadline) {
      try {
        const state = await client.livenessAttempt(id);
        if (state.state === 'DONE' || state.state === 'IN_REVIEW') return state; // a reviewer decides
        if (state.state === 'CAPTURING') await client.evaluateLiveness(id); // left unjudged by a reload
      } catch (error) {
        if (!(error instanceof Retryable)) throw error; // a network blip: keep asking
      }
      await sleep(500);
    }
    await offerRetry('slow', 5006);
  }
}

// After a failed attempt: why, and another try; after the last one, on with the journey.
function afterFailure(result) {
  const last = !(result.attempts_left > 0);
  const section = show('verdict');
  $('#verdict-title').textContent = t(last ? 'liveness.last.title' : 'liveness.failed.title');
  $('#verdict-text').textContent = last
    ? t('liveness.last.text')
    : t(`liveness.hint.${HINTS.has(result.hint) ? result.hint : 'TRY_AGAIN'}`);
  $('#verdict-left').textContent = last ? '' : t('liveness.left', { n: result.attempts_left });
  const next = $('#verdict-next', section);
  next.textContent = t(last ? 'continue' : 'error.retry');
  return new Promise((resolve) => { next.onclick = () => resolve(!last); });
}

async function livenessStep(requirement) {
  let waited = 0;
  for (;;) {
    let attempt = null;
    let result = null;
    try {
      attempt = await client.startLiveness(requirement.id);
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      if (error.code !== 'LIVENESS_ATTEMPT_PENDING') { keepAttempt(requirement.id, null); return; } // passed, or no tries left
      const pending = recallAttempt(requirement.id);
      if (pending) {
        result = await verdict(pending, false);
      } else {
        if (waited > VERDICT_WAIT) throw new Retryable('slow');
        show('checking');
        await sleep(1000);
        waited += 1000;
        continue;
      }
    }
    if (!result) {
      keepAttempt(requirement.id, attempt.id);
      await livenessFrames(attempt);
      result = await verdict(attempt.id, true);
    }
    keepAttempt(requirement.id, null);
    if (result.passed || result.state === 'IN_REVIEW') return;
    if (!(await afterFailure(result))) return;
    waited = 0;
  }
}

function consentStep() {
  // Agreeing is recorded by the server: the session's biometric_consent is when it happened.
  const section = show('consent');
  return untilDone($('#consent-agree', section), section, async () => { await client.consent(); });
}

function submitStep() {
  const section = show('submit');
  return untilDone($('#submit-send', section), section, () => client.submit());
}

function plan(config) {
  const steps = [];
  const consent = config.capture?.biometric_consent === 'REQUIRED';
  let consentAt = consent && sdk.biometric_consent_flow === 'EARLY' ? 0 : null;
  for (const requirement of config.capture?.required_resources || []) {
    if (requirement.state === 'COMPLETE') continue;
    if (requirement.type === 'ID_DOCUMENT' || requirement.type === 'SUPPLEMENTARY_DOCUMENT') {
      steps.push(() => documentStep(requirement));
    } else if (requirement.type === 'LIVENESS' && ['ZOOM', 'STATIC'].includes(requirement.liveness_type)) {
      if (consent && consentAt === null) consentAt = steps.length; // just in time
      steps.push(() => livenessStep(requirement));
    } else {
      throw new Fatal(5008);
    }
  }
  if (consent) steps.splice(consentAt ?? steps.length, 0, consentStep);
  steps.push(submitStep);
  return steps;
}

// WCAG contrast ratio of two #rrggbb colours.
function contrast(a, b) {
  const lum = (hex) => {
    const [r, g, b_] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b_;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// `colour` moved towards black (or white, on a dark ground) just enough to read on `ground`.
function readable(colour, ground) {
  const towards = contrast('#000000', ground) > contrast('#ffffff', ground) ? 0 : 255;
  const mixed = (mix) => `#${[1, 3, 5].map((i) => Math.round(parseInt(colour.slice(i, i + 2), 16) * (1 - mix) + towards * mix)
    .toString(16).padStart(2, '0')).join('')}`;
  let mix = 0;
  while (contrast(mixed(mix), ground) < 4.5 && mix < 1) mix = Math.min(1, mix + 0.05);
  return mixed(mix);
}

// The integrator's colours, kept legible (WCAG AA, 4.5:1): button labels, links and text.
function applyColours() {
  const root = document.documentElement.style;
  const colours = { '--primary': '#2875bc', '--secondary': '#ffffff', '--font': '#1a1a1a' };
  for (const [property, key] of Object.entries(COLOURS)) {
    if (/^#[0-9a-f]{6}$/i.test(sdk[key] || '')) colours[property] = sdk[key].toLowerCase();
  }
  for (const [property, value] of Object.entries(colours)) root.setProperty(property, value);
  const primary = colours['--primary'];
  const ground = colours['--secondary'];
  const best = contrast('#000000', primary) > contrast('#ffffff', primary) ? '#000000' : '#ffffff';
  root.setProperty('--on-primary', contrast(ground, primary) >= 4.5 ? ground : best);
  root.setProperty('--primary-text', readable(primary, ground));
  root.setProperty('--font', readable(colours['--font'], ground));
}

async function applyConfig() {
  const lang = i18n.pick(sdk.locale, navigator.languages);
  if (lang !== i18n.language) await i18n.load(lang);
  applyColours();
  const privacy = safeUrl(sdk.privacy_policy_url);
  for (const link of document.querySelectorAll('a.privacy')) {
    link.hidden = !privacy;
    if (privacy) link.href = privacy.href;
  }
}

// --------------------------------------------------------------------------- the ends

function succeed() {
  forget();
  if (session?.phone) { // handed over from a computer: that page finishes the journey
    $('#done-text').textContent = t('handoff.phoneDone');
    show('done');
    return;
  }
  const url = safeUrl(sdk.success_url);
  if (url) {
    location.assign(url.href);
    return;
  }
  show('done');
  post({ eventType: 'SUCCESS' });
}

function fail(error) {
  stopCamera();
  handedOff = false;
  $('#handoff-start').hidden = true;
  const code = error instanceof Fatal || error instanceof Retryable || error instanceof CameraError ? error.code : 5004;
  if (code === 5004) console.error(error);
  if (code >= 2000 && code < 3000) forget();
  const url = safeUrl(sdk.error_url);
  if (url) {
    url.searchParams.set('yotiErrorCode', String(code));
    location.assign(url.href);
    return;
  }
  const section = show('failed');
  $('#failed-text').textContent = message(code);
  $('#failed-retry', section).hidden = $('#failed-cancel', section).hidden = true;
  post({ eventType: 'ERROR', eventCode: code });
}

// --------------------------------------------------------------------------- hand-off

async function hasCamera() {
  try {
    return (await navigator.mediaDevices.enumerateDevices()).some((device) => device.kind === 'videoinput');
  } catch {
    return false;
  }
}

// "Continue on my phone": rejects the race in journey() with HandOff when begun.
function offerHandoff() {
  let begin;
  const promise = new Promise((_, reject) => { begin = () => reject(new HandOff()); });
  promise.catch(() => {});
  const button = $('#handoff-start');
  button.hidden = false;
  button.onclick = () => { handoff.asked = true; begin(); };
  return { promise, begin, asked: false };
}

// The same page, session and token, marked as the phone's.
function phoneLink() {
  const query = new URLSearchParams({ sessionID: session.id, sessionToken: session.token, handoff: '1' });
  return new URL(`${location.pathname}?${query}`, location.origin).href;
}

// The desktop shows the QR code and follows the phone until it submits.
async function followPhone() {
  handedOff = true;
  stopCamera();
  $('#handoff-start').hidden = true;
  $('#progress').textContent = '';
  const section = show('handoff');
  const link = $('#handoff-link');
  link.value = phoneLink();
  link.onfocus = () => link.select();
  $('#handoff-copy').onclick = async () => {
    link.select();
    try {
      await navigator.clipboard.writeText(link.value);
      say(section, t('handoff.copied'));
    } catch {
      say(section, t('handoff.copyByHand'));
    }
  };
  const back = $('#handoff-back');
  back.hidden = !handoff.asked; // without a camera here there is nothing to go back to
  back.onclick = () => location.reload();
  const qr = $('#handoff-qr');
  try {
    // An <img> needs a standalone SVG document: add the namespace if the server left it out.
    let svg = await (await client.handoffCode()).text();
    if (!/<svg[^>]*\sxmlns=/.test(svg)) svg = svg.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"');
    qr.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
    qr.hidden = false;
  } catch (error) {
    if (!(error instanceof Retryable)) throw error;
    qr.hidden = true; // the link below still works
  }
  const status = $('#handoff-status');
  for (;;) {
    try {
      const progress = await client.progress();
      if (progress.submitted) return;
      const sent = progress.resources + progress.liveness_attempts;
      const text = sent ? t('handoff.progress', { n: sent }) : t('handoff.waiting');
      if (status.textContent !== text) status.textContent = text;
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      status.textContent = message(error.code);
    }
    await sleep(2000);
  }
}

// --------------------------------------------------------------------------- the journey

async function journey(config) {
  const steps = plan(config);
  for (const [index, step] of steps.entries()) {
    $('#progress').textContent = t('step', { n: index + 1, total: steps.length });
    const run = persist(step);
    if (!handoff) {
      await run;
      continue;
    }
    run.catch(() => {}); // once handed off, this device's step is abandoned
    await Promise.race([run, handoff.promise]);
  }
  $('#progress').textContent = '';
  $('#handoff-start').hidden = true;
}

async function main() {
  // The browser's language first: errors can happen before the configuration says otherwise.
  await i18n.load(i18n.pick(navigator.languages)).catch(() => {});
  const initiated = framed ? fromParent() : null;
  post({ eventType: 'STARTED' });
  session = fromUrl();
  if (!session && initiated) {
    $('#loading-text').textContent = t('waiting');
    session = await initiated;
  }
  if (!session?.id) throw new Fatal(2004);
  if (!session.token) throw new Fatal(2003);
  client = new Client(session.id, session.token);
  const config = await persist(() => client.configuration());
  sdk = config.sdk_config || {};
  await applyConfig();
  if (sdk.allow_handoff && !session.phone) {
    handoff = offerHandoff();
    if (!(await hasCamera())) handoff.begin();
  }
  try {
    await journey(config);
  } catch (error) {
    if (!(error instanceof HandOff)) throw error;
    await followPhone();
  }
  succeed();
}

main().catch(fail);
