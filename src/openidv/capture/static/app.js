// The capture journey: get the session (URL or INIT_SESSION), read its configuration, run
// the steps it asks for, submit, then redirect or tell the parent window.
import { Client, Fatal, Refused, Retryable } from './api.js';
import { CameraError, fromFile, grab, startCamera, stopCamera } from './camera.js';
import { assess } from './checks.js';
import { browserFamily, isPhone } from './device.js';
import * as i18n from './i18n.js';
import { Back, install as installBack, orBack } from './nav.js';
import { captureFrames, reportCamera, staticPhases, zoomPhases } from './liveness.js';

const $ = (selector, root = document) => root.querySelector(selector);
const t = i18n.t;
const framed = window.parent !== window;
const STORE = 'openidv.session';
const ONE_SIDED = new Set(['PASSPORT', 'TRAVEL_DOCUMENT']); // cards have a back worth reading
const SUPPLEMENTARY_TYPES = ['UTILITY_BILL', 'BANK_STATEMENT', 'COUNCIL_TAX'];
const INTRO = 'openidv.intro'; // the session whose intro this tab has passed
// ZOOM and STATIC's burst: liveness.js (phases, frames sent while captured, camera facts).
const HINTS = new Set(['FACE_NOT_FOUND', 'MULTIPLE_FACES', 'MOVE_CLOSER', 'HOLD_STILL', 'TURN_FURTHER', 'BETTER_LIGHT', 'TOO_FEW_FRAMES', 'TRY_AGAIN']);
const VERDICT_WAIT = 60_000;
// A document's frames kept from the live view before the shot (see capture's `aim`).
const AIM_FRAMES = 3;
const AIM_FRAME_MS = 700;
const AIM_SIDE = 1280;
const COLOURS = { '--primary': 'primary_colour', '--secondary': 'secondary_colour', '--font': 'font_colour' };

let sdk = {};
let client = null;
let session = null;
let handoff = null; // on a desktop with allow_handoff: { promise, begin, asked }
let handedOff = false;
let journeyState = { resources: [], consented: false, requester: '' }; // GET journey: what is done

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
      if (error.code === 4000) { // refused: say how to allow it; true: try again
        if (await cameraDenied(canUpload)) continue;
        return false;
      }
      if (canUpload) return false;
      await offerRetry(error.code);
    }
  }
}

// The camera was refused: the browser's own steps to allow it, then try again, upload a photo
// instead (where the session allows it), continue on a phone, or stop.
function cameraDenied(canUpload) {
  const section = show('camera-denied');
  $('#denied-steps').textContent = t(`camera.steps.${browserFamily()}`);
  $('#denied-text').textContent = t(canUpload ? 'camera.denied.upload' : 'camera.denied.text');
  const phone = $('#denied-phone', section);
  phone.hidden = !handoff;
  // Made only where uploads are allowed: a CAMERA-only session has no upload control at all.
  const upload = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: t('camera.denied.uploadButton') });
  $('#denied-upload-slot', section).replaceChildren(...(canUpload ? [upload] : []));
  return new Promise((resolve, reject) => {
    $('#denied-retry', section).onclick = () => resolve(true);
    upload.onclick = () => resolve(false);
    phone.onclick = () => { handoff.asked = true; handoff.begin(); reject(new HandOff()); };
    $('#denied-cancel', section).onclick = () => reject(new Fatal(4000));
  });
}

// --------------------------------------------------------------------------- steps

// What the user needs, how long it takes, who asks and why, and the privacy policy.
function introStep(config, canGoBack) {
  const section = show('intro');
  const requirements = config.capture?.required_resources || [];
  const needs = [];
  if (requirements.some((r) => r.type === 'ID_DOCUMENT')) needs.push('intro.need.document');
  if (requirements.some((r) => r.type === 'SUPPLEMENTARY_DOCUMENT')) needs.push('intro.need.supplementary');
  if (requirements.some((r) => r.type === 'LIVENESS')) needs.push('intro.need.face');
  needs.push(handoff ? 'intro.need.cameraOrPhone' : 'intro.need.camera'); // handoff: on a computer
  $('#intro-needs').replaceChildren(...needs.map((key) => Object.assign(document.createElement('li'), { textContent: t(key) })));
  const minutes = Math.max(2, requirements.length + 1);
  $('#intro-time').textContent = t('intro.time', { n: minutes });
  const name = journeyState.requester;
  $('#intro-who').textContent = name ? t('intro.who', { name }) : t('intro.whoUnknown');
  const phone = $('#intro-phone', section);
  phone.hidden = !handoff; // on a computer, when the session allows the hand-off
  phone.onclick = () => { handoff.asked = true; handoff.begin(); };
  $('#handoff-start').hidden = true; // offered in the intro itself
  const started = untilDone($('#intro-start', section), section, async () => {
    try { sessionStorage.setItem(INTRO, session.id); } catch { /* storage blocked: shown again */ }
    if (handoff) $('#handoff-start').hidden = false;
  });
  return canGoBack ? orBack(started) : started;
}

async function chooseDocument(requirement, previous, canGoBack) {
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
  select.value = offered.has(previous?.country) ? previous.country : preset;
  const chosenType = () => $('input[name="doctype"]:checked', list)?.value;
  const refresh = () => { next.disabled = !(select.value && chosenType()); };
  const listTypes = () => {
    const types = offered.get(select.value) || [];
    list.replaceChildren(...types.map((type) => {
      const input = Object.assign(document.createElement('input'), { type: 'radio', name: 'doctype', value: type });
      input.checked = types.length === 1 || type === previous?.type;
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
  const chosen = untilDone(next, section, async () => {
    const type = chosenType();
    const resource = await client.createResource(requirement.id, type, select.value);
    return { type, country: select.value, resourceId: resource.id };
  });
  return canGoBack ? orBack(chosen) : chosen;
}

// One photo: camera (and file upload when allowed), review, then `accept` sends it. A
// document's photo is checked twice before the user moves on: on the device when taken
// (resolution, blur: a warning only), then by the server as it arrives; a refusal names what
// is wrong, and the user retakes it or sends that photo anyway. `back`: the Back button
// leaves this photo (rejects with Back). `aim`: keep the camera's frames of the last moments
// before the shot (a document's), passed to `accept` with the photo.
async function capture({ title, hint, note = '', selfie = false, upload = false, pdf = false, checked = false, back = false, aim = false, accept }) {
  const section = show('capture');
  const video = $('#video');
  const guide = $('#guide');
  const preview = $('#preview');
  const shoot = $('#shoot');
  const acceptButton = $('#accept');
  const retake = $('#retake');
  const review_ = $('#review-text');
  $('#capture-title').textContent = title;
  $('#capture-hint').textContent = hint;
  $('#attempt').textContent = note;
  $('.viewer', section).classList.toggle('selfie', selfie);
  guide.className = `guide ${selfie ? 'oval' : 'document'}`;
  shoot.textContent = t('capture.shoot');
  let shot = null;
  let hasCamera = false;
  // The frames seen while the user aims: a small JPEG every AIM_FRAME_MS while the live view
  // shows, the last AIM_FRAMES kept; the results list them with the page, as Yoti's do.
  let aimed = [];
  let aiming = null;
  const stopAiming = () => {
    if (aiming) clearInterval(aiming);
    aiming = null;
  };
  const startAiming = () => {
    stopAiming();
    aimed = [];
    if (!aim || !hasCamera) return;
    aiming = setInterval(() => {
      if (video.hidden || !video.videoWidth) return;
      grab(video, AIM_SIDE).then((blob) => { aimed = [...aimed, blob].slice(-AIM_FRAMES); }, () => {});
    }, AIM_FRAME_MS);
  };

  const plainAccept = () => {
    retake.classList.remove('first');
    acceptButton.textContent = t('capture.accept');
    acceptButton.classList.remove('secondary');
    retake.classList.add('secondary');
  };
  const live = () => {
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.hidden = acceptButton.hidden = retake.hidden = true;
    review_.hidden = true;
    video.hidden = guide.hidden = shoot.hidden = !hasCamera;
    startAiming();
  };
  const review = (blob, method) => {
    stopAiming();
    shot = { blob, method, anyway: false, frames: method === 'CAMERA' ? aimed : [] };
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(blob);
    preview.onerror = () => { preview.hidden = true; }; // HEIC, PDF: sent as they are, not shown here
    preview.hidden = acceptButton.hidden = false;
    retake.hidden = !hasCamera;
    video.hidden = guide.hidden = shoot.hidden = true;
    plainAccept();
    say(section, ''); // nothing is wrong until a check says so
    review_.hidden = false;
    review_.textContent = t(blob.type === 'application/pdf' ? 'capture.reviewPdf' : 'capture.review');
    if (!checked) return;
    const mine = shot;
    assess(blob).then((problems) => {
      if (shot === mine && problems.length) say(section, problems.map((code) => t(`quality.${code}`)).join(' '));
    });
  };
  // The server's answer: what to fix; the same photo may still be sent, as the user decides.
  const refused = (problems) => {
    shot.anyway = true;
    retake.classList.add('first');
    say(section, problems.map((code) => t(`quality.${code}`)).join(' ') || t('quality.generic'));
    acceptButton.textContent = t('capture.sendAnyway');
    acceptButton.classList.add('secondary');
    retake.classList.remove('secondary');
    (hasCamera ? retake : acceptButton).focus();
  };

  const slot = $('#upload-slot');
  slot.replaceChildren(); // CAMERA only: no upload control in the page at all
  if (upload) {
    const label = Object.assign(document.createElement('label'), { className: 'button secondary' });
    const types = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', ...(pdf ? ['application/pdf'] : [])];
    const input = Object.assign(document.createElement('input'), {
      type: 'file', accept: types.join(','), className: 'visually-hidden',
    });
    label.append(t(pdf ? 'capture.uploadOrPdf' : 'capture.upload'), input);
    slot.append(label);
    input.onchange = async () => {
      const file = input.files[0];
      input.value = '';
      if (!file) return;
      try {
        review(await fromFile(file, { pdf }), 'UPLOAD');
      } catch {
        say(section, t(pdf ? 'error.imageOrPdf' : 'error.image'));
      }
    };
  }

  // Listening before the camera starts: a file may be chosen and accepted meanwhile.
  const accepted = new Promise((resolve, reject) => {
    acceptButton.onclick = async () => {
      acceptButton.disabled = true;
      if (checked) review_.textContent = t('capture.checking');
      try {
        await accept(shot.blob, shot.method, shot.anyway ? 'accept' : 'check', shot.frames);
        acceptButton.onclick = null;
        resolve();
      } catch (error) {
        if (error instanceof Refused && error.code === 'PHOTO_QUALITY') refused(error.problems || []);
        else if (error instanceof Retryable) say(section, message(error.code));
        else reject(error);
      } finally {
        acceptButton.disabled = false;
        if (checked && shot) review_.textContent = t('capture.review');
      }
    };
  });
  shoot.hidden = true;
  const waiting = back ? orBack(accepted) : accepted;
  waiting.catch(() => {}); // awaited below, once the camera has started (or failed to)
  try {
    hasCamera = await camera(video, selfie ? 'user' : 'environment', upload);
    show('capture');
    if (!shot) live(); // a file chosen while the camera was starting stays in review
    else retake.hidden = !hasCamera;
    if (!hasCamera && !shot) $('#capture-hint').textContent = t('capture.uploadOnly');
    shoot.onclick = () => grab(video).then((blob) => review(blob, 'CAMERA'), () => say(section, message(5004)));
    retake.onclick = () => { say(section, ''); live(); };
    await waiting;
  } finally {
    stopAiming();
    stopCamera();
    shoot.onclick = retake.onclick = acceptButton.onclick = null;
    slot.replaceChildren();
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.removeAttribute('src');
    review_.hidden = true;
    plainAccept();
    // Nothing stays clickable between this photo and the next step's.
    preview.hidden = acceptButton.hidden = retake.hidden = shoot.hidden = true;
  }
}

// The sides to photograph: a passport's photo page, a card's front and back, a bill's page.
function sidesOf(requirement, type) {
  if (requirement.type === 'SUPPLEMENTARY_DOCUMENT') return ['capture.supplementary'];
  return ONE_SIDED.has(type) ? ['capture.passport'] : ['capture.front', 'capture.back'];
}

// Choose, then each side; Back from a side returns to the one before (the document restarts
// from its first side: a page sent cannot be taken back alone), from the first to the choice,
// from the choice to the step before (rejects with Back). `resume`: the resource the server
// kept, with its pages, after a reload.
async function documentStep(requirement, { resume = null, canGoBack = false, again = false } = {}) {
  const methods = requirement.allowed_capture_methods || sdk.allowed_capture_methods || 'CAMERA_AND_UPLOAD';
  let choice = resume ? { type: resume.document_type, country: resume.issuing_country, resourceId: resume.id } : null;
  let side = resume ? resume.pages : 0;
  if (choice && side >= sidesOf(requirement, choice.type).length && !again) return; // done before
  // A document chosen but not yet photographed opens at its choice (preselected).
  let choosing = !choice || again || side === 0;
  for (;;) {
    if (choosing) {
      choice = await chooseDocument(requirement, choice, canGoBack);
      side = 0;
      choosing = false;
    }
    const sides = sidesOf(requirement, choice.type);
    if (side >= sides.length) return;
    try {
      await capture({
        title: t(sides[side]),
        hint: t(requirement.type === 'SUPPLEMENTARY_DOCUMENT' ? 'capture.hintSupplementary' : 'capture.hint'),
        upload: methods === 'CAMERA_AND_UPLOAD',
        pdf: methods === 'CAMERA_AND_UPLOAD',
        checked: true,
        back: true,
        aim: true,
        accept: async (blob, method, quality, frames = []) => {
          const page = await client.uploadMedia(choice.resourceId, blob, method, undefined, quality);
          // Frames are evidence beside the page, not the page: one that fails is left out.
          for (const frame of frames) await client.uploadFrame(choice.resourceId, page.id, frame).catch(() => {});
        },
      });
      side += 1;
    } catch (error) {
      if (!(error instanceof Back)) throw error;
      if (side === 0) { choosing = true; continue; }
      const resource = await persist(() => client.createResource(requirement.id, choice.type, choice.country));
      choice = { ...choice, resourceId: resource.id };
      side = 0;
    }
  }
}

// --------------------------------------------------------------------------- liveness

const attemptNote = (n, total) => (total > 1 ? t('liveness.attempt', { n, total }) : '');

// The camera view set up for a face: mirrored preview, oval guide, no upload control.
function faceViewer(title, hint, note) {
  const section = show('capture');
  $('#capture-title').textContent = title;
  $('#capture-hint').textContent = hint;
  $('#attempt').textContent = note;
  $('.viewer', section).classList.add('selfie');
  $('#guide').className = 'guide oval far';
  $('#cue').hidden = true;
  $('#upload-slot').replaceChildren();
  $('#preview').hidden = $('#accept').hidden = $('#retake').hidden = true;
  return section;
}

// ZOOM (far, closer, then the moves the server drew) or STATIC's short burst: Start, then
// frames (raw camera pixels, unmirrored), each sent while the page guides. The attempt is
// opened when the user presses Start, not before: Back from this screen (the page's or the
// browser's) leaves nothing behind, and the capture window starts with the capture. Resolves
// with the attempt once its frames are sent; rejects with Back, or with Refused when the
// server has no attempt to give (passed, pending, none left).
async function livenessFrames(requirement, { number, total, canGoBack }) {
  const zoom = requirement.liveness_type !== 'STATIC';
  const kind = zoom ? 'zoom' : 'static';
  const section = faceViewer(t(`liveness.${kind}.title`), t(`liveness.${kind}.hint`), attemptNote(number, total));
  const video = $('#video');
  const guide = $('#guide');
  const cue = $('#cue');
  const hint = $('#capture-hint');
  const shoot = $('#shoot');
  shoot.textContent = t('liveness.start');
  const pressed = new Promise((resolve) => { shoot.onclick = () => { shoot.onclick = null; resolve(); }; });
  const ready = canGoBack ? orBack(pressed) : pressed;
  ready.catch(() => {}); // awaited below, once the camera has started
  try {
    await camera(video, 'user', false);
    show('capture');
    video.hidden = guide.hidden = shoot.hidden = false;
    await ready;
    shoot.hidden = true;
    hint.focus();
    const attempt = await persist(() => client.startLiveness(requirement.id));
    $('#attempt').textContent = attemptNote(attempt.attempt, attempt.max_attempts);
    const nonce = attempt.challenge?.nonce;
    const send = (frame) => persist(() => client.uploadMedia(attempt.id, frame, 'CAMERA', nonce));
    await reportCamera(client, attempt.id, video);
    // The user's own left: in the mirrored preview it is the screen's left too.
    await captureFrames(video, zoom ? zoomPhases(attempt.challenge) : staticPhases(), (phase) => {
      const move = !['fit', 'closer', 'hold'].includes(phase);
      hint.textContent = t(`liveness.${kind}.${phase}`);
      guide.classList.toggle('far', phase === 'fit');
      guide.classList.toggle('closer', zoom && phase !== 'fit');
      cue.className = `cue ${phase}`;
      cue.hidden = !move;
    }, send);
    return attempt;
  } finally {
    stopCamera();
    shoot.onclick = null;
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
function afterFailure(result, canGoBack) {
  const last = !(result.attempts_left > 0);
  const section = show('verdict');
  $('#verdict-title').textContent = t(last ? 'liveness.last.title' : 'liveness.failed.title');
  $('#verdict-text').textContent = last
    ? t('liveness.last.text')
    : t(`liveness.hint.${HINTS.has(result.hint) ? result.hint : 'TRY_AGAIN'}`);
  $('#verdict-left').textContent = last ? '' : t('liveness.left', { n: result.attempts_left });
  const next = $('#verdict-next', section);
  next.textContent = t(last ? 'continue' : 'error.retry');
  const chosen = new Promise((resolve) => { next.onclick = () => resolve(!last); });
  return canGoBack && !last ? orBack(chosen) : chosen; // Back: to the document, then here again
}

// Where the server says this requirement stands (GET journey): passed, in review or out of
// attempts is done; an attempt being judged is waited for; one left mid-capture by a reload
// counts, and is judged on what it has when the next one opens.
async function livenessStep(requirement, canGoBack) {
  const kept = () => journeyState.liveness?.find((l) => l.requirement_id === requirement.id);
  let last = kept()?.last ?? null;
  const total = kept()?.max_attempts ?? 0;
  let before = true; // `last` was judged before this page opened (a reload, Back, another tab)
  for (;;) {
    let result = null;
    if (last?.state === 'PENDING') {
      result = await verdict(last.id, false);
      before = false;
    } else if (last?.state === 'DONE' || last?.state === 'IN_REVIEW') {
      result = last;
    }
    if (result) {
      if (result.passed || result.state === 'IN_REVIEW') return;
      if (before && !(result.attempts_left > 0)) return; // ended before: on with the journey
      if (!(await afterFailure(result, canGoBack))) return;
    }
    before = false;
    let attempt;
    try {
      attempt = await livenessFrames(requirement, { number: last ? last.attempt + 1 : 1, total, canGoBack });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      // Judged or taken on elsewhere meanwhile (another tab, the phone): where it stands now.
      journeyState = await persist(() => client.journey());
      last = kept()?.last ?? null;
      before = true;
      if (!last || last.state === 'CAPTURING') throw new Retryable('slow');
      continue;
    }
    last = await verdict(attempt.id, true);
  }
}

function consentStep() {
  // Agreeing is recorded by the server: the session's biometric_consent is when it happened.
  if (journeyState.consented) return null; // agreed before going back: not asked twice
  const section = show('consent');
  return untilDone($('#consent-agree', section), section, async () => {
    await client.consent();
    journeyState.consented = true;
  });
}

function submitStep(canGoBack) {
  const section = show('submit');
  const sent = untilDone($('#submit-send', section), section, () => client.submit());
  return canGoBack ? orBack(sent) : sent;
}

// The steps, each { run(canGoBack, again), back }: `back` says whether the user may return to
// it (a liveness attempt, once judged, is not taken again). Steps done before a reload are
// passed over going forwards (documentStep sees its kept resource; consent and liveness ask
// the server), and revisited going back.
function plan(config) {
  const steps = [];
  const consent = config.capture?.biometric_consent === 'REQUIRED';
  let consentAt = consent && sdk.biometric_consent_flow === 'EARLY' ? 0 : null;
  const kept = (requirement) => journeyState.resources.find((r) => r.requirement_id === requirement.id);
  for (const requirement of config.capture?.required_resources || []) {
    if (requirement.state === 'COMPLETE') continue;
    if (requirement.type === 'ID_DOCUMENT' || requirement.type === 'SUPPLEMENTARY_DOCUMENT') {
      steps.push({
        back: true,
        run: (canGoBack, again) => documentStep(requirement, { resume: kept(requirement), canGoBack, again }),
      });
    } else if (requirement.type === 'LIVENESS' && ['ZOOM', 'STATIC'].includes(requirement.liveness_type)) {
      if (consent && consentAt === null) consentAt = steps.length; // just in time
      steps.push({ back: false, run: (canGoBack) => livenessStep(requirement, canGoBack) });
    } else {
      throw new Fatal(5008);
    }
  }
  if (consent) steps.splice(consentAt ?? steps.length, 0, { back: false, run: consentStep });
  let seen = false;
  try { seen = sessionStorage.getItem(INTRO) === session.id; } catch { /* storage blocked */ }
  const fresh = !seen && !journeyState.resources.length && !journeyState.consented;
  // The intro opens a new journey; a resumed one goes straight on (Back still reaches it).
  steps.unshift({ back: true, skip: !fresh, run: (canGoBack) => introStep(config, canGoBack) });
  steps.push({ back: false, run: (canGoBack) => submitStep(canGoBack) });
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
  const privacy = safeUrl(sdk.privacy_policy_url || journeyState.privacy_policy_url);
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
  $('#failed h1').textContent = t(code === 4000 ? 'error.title.4000' : 'error.title');
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
  const counted = steps.length - 1; // the intro is not a step of the verification
  let index = 0;
  let again = false; // reached by Back: a step done before is shown again, not passed over
  while (index < steps.length) {
    const step = steps[index];
    if (step.skip && !again) { index += 1; continue; }
    step.skip = false;
    $('#progress').textContent = index ? t('step', { n: index, total: counted }) : '';
    // Back is offered where an earlier step can be returned to.
    const canGoBack = steps.slice(0, index).some((s) => s.back);
    const run = persist(() => step.run(canGoBack, again));
    try {
      if (!handoff) {
        await run;
      } else {
        run.catch(() => {}); // once handed off, this device's step is abandoned
        await Promise.race([run, handoff.promise]);
      }
      index += 1;
      again = false;
    } catch (error) {
      if (!(error instanceof Back)) throw error;
      do index -= 1; while (index > 0 && !steps[index].back);
      again = true;
      journeyState = await persist(() => client.journey()); // what the server kept, now
    }
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
  const phone = isPhone(session.phone);
  i18n.setDevice(phone ? 'phone' : 'desktop');
  journeyState = await persist(() => client.journey());
  await applyConfig();
  installBack($('#back'));
  if (sdk.allow_handoff && !phone) {
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
