// The capture journey: get the session (URL or INIT_SESSION), read its configuration, run
// the steps it asks for, submit, then redirect or tell the parent window.
import { Client, Fatal, Retryable } from './api.js';
import { CameraError, fromFile, grab, startCamera, stopCamera } from './camera.js';
import * as i18n from './i18n.js';

const $ = (selector, root = document) => root.querySelector(selector);
const t = i18n.t;
const framed = window.parent !== window;
const STORE = 'openidv.session';
const ONE_SIDED = new Set(['PASSPORT', 'TRAVEL_DOCUMENT']); // cards have a back worth reading
const SUPPLEMENTARY_TYPES = ['UTILITY_BILL', 'BANK_STATEMENT', 'COUNCIL_TAX'];
const BURST = { frames: 7, interval: 300, maxSide: 1280 }; // ZOOM: ~2 s while the user moves closer
const COLOURS = { '--primary': 'primary_colour', '--secondary': 'secondary_colour', '--font': 'font_colour' };

let sdk = {};
let client = null;

// The events carry no secret and the integrator's origin is unknown to us, hence '*'.
const post = (message) => framed && window.parent.postMessage(message, '*');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const message = (code) => (t(`error.${code}`) === `error.${code}` ? t('error.5004') : t(`error.${code}`));

function show(id) {
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.id !== id;
  const section = document.getElementById(id);
  for (const msg of section.querySelectorAll('.msg')) msg.textContent = '';
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
    const session = { id: query.get('sessionID'), token: query.get('sessionToken') };
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
function offerRetry(code) {
  const section = show('failed');
  $('#failed-text').textContent = message(code);
  const retry = $('#failed-retry', section);
  const cancel = $('#failed-cancel', section);
  retry.hidden = cancel.hidden = false;
  return new Promise((resolve, reject) => {
    retry.onclick = () => resolve();
    cancel.onclick = () => reject(new Fatal(code));
  });
}

async function persist(action) {
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      await offerRetry(error.code);
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
      return true;
    } catch (error) {
      if (!(error instanceof CameraError)) throw error;
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
async function capture({ title, hint, selfie = false, upload = false, accept }) {
  const section = show('capture');
  const video = $('#video');
  const guide = $('#guide');
  const preview = $('#preview');
  const shoot = $('#shoot');
  const acceptButton = $('#accept');
  const retake = $('#retake');
  $('#capture-title').textContent = title;
  $('#capture-hint').textContent = hint;
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
      type: 'file', accept: 'image/jpeg,image/png,image/webp', className: 'visually-hidden',
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

  shoot.hidden = true;
  hasCamera = await camera(video, selfie ? 'user' : 'environment', upload);
  show('capture');
  live();
  if (!hasCamera) say(section, t('capture.uploadOnly'));
  shoot.onclick = () => grab(video).then((blob) => review(blob, 'CAMERA'), () => say(section, message(5004)));
  retake.onclick = () => { say(section, ''); live(); };
  try {
    await untilDone(acceptButton, section, () => accept(shot.blob, shot.method));
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

// Each attempt starts a fresh resource (the server replaces the previous one), so a retried
// upload can never leave a capture with frames from two attempts.
async function sendFrames(requirement, frames) {
  const resource = await client.createResource(requirement.id);
  for (const frame of frames) await client.uploadMedia(resource.id, frame, 'CAMERA');
}

async function livenessStep(requirement) {
  if (requirement.liveness_type === 'STATIC') {
    await capture({
      title: t('liveness.static.title'),
      hint: t('liveness.static.hint'),
      selfie: true,
      accept: (blob) => sendFrames(requirement, [blob]),
    });
    return;
  }
  const section = show('capture');
  const video = $('#video');
  const guide = $('#guide');
  const shoot = $('#shoot');
  const hint = $('#capture-hint');
  $('#capture-title').textContent = t('liveness.zoom.title');
  hint.textContent = t('liveness.zoom.hint');
  $('.viewer', section).classList.add('selfie');
  guide.className = 'guide oval';
  $('#upload-slot').replaceChildren();
  $('#preview').hidden = $('#accept').hidden = $('#retake').hidden = true;
  shoot.textContent = t('liveness.start');
  await camera(video, 'user', false);
  show('capture');
  video.hidden = guide.hidden = shoot.hidden = false;
  try {
    await untilDone(shoot, section, async () => {
      // The oval grows while the frames are taken: the user follows it towards the camera.
      hint.textContent = t('liveness.zoom.closer');
      guide.classList.add('closer');
      try {
        const frames = [];
        for (let i = 0; i < BURST.frames; i += 1) {
          await sleep(BURST.interval);
          frames.push(await grab(video, BURST.maxSide));
        }
        say(section, t('uploading'));
        await sendFrames(requirement, frames);
      } finally {
        guide.classList.remove('closer');
        hint.textContent = t('liveness.zoom.hint');
      }
    });
  } finally {
    stopCamera();
    shoot.hidden = true;
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

async function applyConfig() {
  const lang = i18n.pick(sdk.locale, navigator.languages);
  if (lang !== i18n.language) await i18n.load(lang);
  for (const [property, key] of Object.entries(COLOURS)) {
    if (/^#[0-9a-f]{6}$/i.test(sdk[key] || '')) document.documentElement.style.setProperty(property, sdk[key]);
  }
  const privacy = safeUrl(sdk.privacy_policy_url);
  for (const link of document.querySelectorAll('a.privacy')) {
    link.hidden = !privacy;
    if (privacy) link.href = privacy.href;
  }
}

// --------------------------------------------------------------------------- the ends

function succeed() {
  forget();
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

async function main() {
  // The browser's language first: errors can happen before the configuration says otherwise.
  await i18n.load(i18n.pick(navigator.languages)).catch(() => {});
  const initiated = framed ? fromParent() : null;
  post({ eventType: 'STARTED' });
  let session = fromUrl();
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
  const steps = plan(config);
  for (const [index, step] of steps.entries()) {
    $('#progress').textContent = t('step', { n: index + 1, total: steps.length });
    await persist(step);
  }
  $('#progress').textContent = '';
  succeed();
}

main().catch(fail);
