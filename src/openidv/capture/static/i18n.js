// Translations: one JSON file per language, next to this page under i18n/.
const SHIPPED = ['en', 'es', 'fr', 'ar'];
const RTL = new Set(['ar', 'fa', 'he', 'ur']);
let strings = {};
let regions = null;
let device = 'phone';
export let language = 'en';

// 'phone' or 'desktop': a key with a '@desktop' variant ("sit in front of your webcam" for
// "hold your phone at arm's length") reads that variant on a computer.
export function setDevice(kind) {
  device = kind;
  retranslate();
}

function retranslate() {
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-alt]')) element.alt = t(element.dataset.i18nAlt);
}

// The first shipped language among the candidates (sdk_config.locale first, then the
// browser's); 'es-419' is served by 'es'.
export function pick(...candidates) {
  for (const tag of candidates.flat()) {
    const base = String(tag || '').toLowerCase().split(/[-_]/)[0];
    if (SHIPPED.includes(base)) return base;
  }
  return 'en';
}

export async function load(lang) {
  const response = await fetch(`i18n/${lang}.json`, { credentials: 'omit' });
  if (!response.ok) throw new Error(`i18n ${lang}: ${response.status}`);
  strings = await response.json();
  language = lang;
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.has(lang) ? 'rtl' : 'ltr';
  retranslate();
}

export function t(key, vars = {}) {
  const text = strings[`${key}@${device}`] ?? strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

// A document type's name; types we have no words for are shown as written, tidied.
export function documentName(type) {
  const key = `doc.${type}`;
  return key in strings ? strings[key] : type.replaceAll('_', ' ').toLowerCase();
}

// Every country code we can name (loaded by countryNamer): for requirements that list none.
export const allCountries = () => Object.keys(regions || {});

// Country names in the page's language: the browser knows them by ISO alpha-2 code, the API
// speaks alpha-3, so a small map (i18n/regions.json) bridges the two.
export async function countryNamer() {
  if (!regions) {
    const response = await fetch('i18n/regions.json', { credentials: 'omit' });
    regions = response.ok ? await response.json() : {};
  }
  let names = null;
  try { names = new Intl.DisplayNames([language], { type: 'region' }); } catch { /* old browser */ }
  return (code) => {
    try { return (regions[code] && names?.of(regions[code])) || code; } catch { return code; }
  };
}
