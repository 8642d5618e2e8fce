// The review console's case view: image zoom and rotation, the machine result made readable
// (when the server did not already render it), and the document-fields editor with live ICAO
// 9303 check digits. Plain ES module, no dependency; the page works without it (the JSON
// textarea is what the form submits either way).

const ZOOMS = [0.5, 0.75, 1, 1.5, 2, 3, 4, 6];
const WEIGHTS = [7, 3, 1];

// --- ICAO 9303 check digits -------------------------------------------------------------

/** The value of one MRZ character: digits as themselves, A=10..Z=35, filler '<' 0. */
function charValue(char) {
  if (char === "<") return 0;
  if (char >= "0" && char <= "9") return char.charCodeAt(0) - 48;
  if (char >= "A" && char <= "Z") return char.charCodeAt(0) - 55;
  return null;
}

/** The ICAO 9303 check digit of `data` (weights 7, 3, 1 repeating, modulo 10), or null when
 * `data` holds a character that cannot appear in an MRZ. */
export function checkDigit(data) {
  let total = 0;
  for (let i = 0; i < data.length; i += 1) {
    const value = charValue(data[i]);
    if (value === null) return null;
    total += value * WEIGHTS[i % 3];
  }
  return total % 10;
}

/** YYYY-MM-DD (a real calendar date) to the MRZ's YYMMDD, or null. */
export function mrzDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [, year, month, day] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
  return year.slice(2) + month + day;
}

/** What to show next to a field: {field, digit} as in the MRZ, or {error}. */
export function mrzCheck(kind, text) {
  const value = text.trim();
  if (!value) return { error: "" };
  if (kind === "date") {
    const field = mrzDate(value);
    return field === null ? { error: "not a YYYY-MM-DD date" } : { field, digit: checkDigit(field) };
  }
  // Document numbers: upper case; the MRZ pads a short number with '<' (value 0, so the digit
  // is the same); a longer one (TD1/TD2 long-number rule) has its digit over all characters.
  const field = value.toUpperCase().padEnd(9, "<");
  const digit = checkDigit(field);
  return digit === null ? { error: "has characters an MRZ cannot hold" } : { field, digit };
}

// --- Image viewers ----------------------------------------------------------------------

function setUpViewer(figure) {
  const frame = figure.querySelector(".frame");
  const stage = figure.querySelector(".stage");
  const image = figure.querySelector("img");
  const level = figure.querySelector(".zoom-level");
  const state = { zoom: 1, rotation: 0 };

  function apply() {
    const width = image.naturalWidth;
    const height = image.naturalHeight;
    if (!width || !height) return;
    const sideways = state.rotation % 180 !== 0;
    const [boxW, boxH] = sideways ? [height, width] : [width, height];
    // Zoom 100% fits the (rotated) image in the frame, never enlarging a small one past 4x.
    const fit = Math.min(frame.clientWidth / boxW, frame.clientHeight / boxH, 4);
    const scale = fit * state.zoom;
    stage.style.width = `${Math.round(boxW * scale)}px`;
    stage.style.height = `${Math.round(boxH * scale)}px`;
    image.style.width = `${Math.round(width * scale)}px`;
    image.style.height = `${Math.round(height * scale)}px`;
    image.style.transform = `translate(-50%, -50%) rotate(${state.rotation}deg)`;
    // A rendition drawn larger than its own pixels (zoomed in, or a high-density screen):
    // the original now, once (its load event applies the scale again).
    if (figure.dataset.full && width * scale * devicePixelRatio > width * 1.05) {
      image.src = figure.dataset.full;
      delete figure.dataset.full;
    }
    level.value = `${Math.round(state.zoom * 100)}%`;
    figure.dataset.zoom = String(state.zoom);
    figure.dataset.rotation = String(state.rotation);
  }

  function zoomBy(step) {
    const index = ZOOMS.indexOf(state.zoom) + step;
    if (index < 0 || index >= ZOOMS.length) return;
    // Keep the point at the centre of the frame where it is.
    const cx = (frame.scrollLeft + frame.clientWidth / 2) / Math.max(stage.offsetWidth, 1);
    const cy = (frame.scrollTop + frame.clientHeight / 2) / Math.max(stage.offsetHeight, 1);
    state.zoom = ZOOMS[index];
    apply();
    frame.scrollLeft = cx * stage.offsetWidth - frame.clientWidth / 2;
    frame.scrollTop = cy * stage.offsetHeight - frame.clientHeight / 2;
  }

  const actions = {
    "zoom-in": () => zoomBy(1),
    "zoom-out": () => zoomBy(-1),
    "rotate-left": () => { state.rotation = (state.rotation + 270) % 360; apply(); },
    "rotate-right": () => { state.rotation = (state.rotation + 90) % 360; apply(); },
    reset: () => { state.zoom = 1; state.rotation = 0; apply(); },
  };
  figure.querySelector(".tools").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) actions[button.dataset.action]();
  });
  frame.addEventListener("wheel", (event) => {
    if (!event.ctrlKey && !event.metaKey) return; // plain wheel scrolls; ctrl+wheel zooms
    event.preventDefault();
    zoomBy(event.deltaY < 0 ? 1 : -1);
  }, { passive: false });
  frame.tabIndex = 0; // keyboard: + - to zoom, r / R to rotate, 0 to fit
  frame.addEventListener("keydown", (event) => {
    const key = { "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", r: "rotate-right",
      R: "rotate-left", 0: "reset" }[event.key];
    if (key) { event.preventDefault(); actions[key](); }
  });

  figure.classList.add("interactive");
  figure.querySelector(".tools").hidden = false;
  // A portrait the check located: open zoomed on it (the largest step that keeps the face
  // and a margin around it in the frame), centred. "Fit" shows the whole page again.
  let focused = !figure.dataset.focus;
  function focusOnce() {
    if (focused || !image.naturalWidth) return;
    focused = true;
    const [x, y, w, h] = figure.dataset.focus.split(",").map(Number);
    const fit = Math.min(frame.clientWidth / image.naturalWidth, frame.clientHeight / image.naturalHeight, 4);
    const room = Math.min(frame.clientWidth / (w * 1.8 * fit), frame.clientHeight / (h * 1.8 * fit));
    const zoom = ZOOMS.filter((z) => z <= room).pop();
    if (!zoom || zoom <= 1) return;
    state.zoom = zoom;
    apply();
    const scale = fit * zoom;
    frame.scrollLeft = (x + w / 2) * scale - frame.clientWidth / 2;
    frame.scrollTop = (y + h / 2) * scale - frame.clientHeight / 2;
  }
  if (image.complete) { apply(); focusOnce(); }
  image.addEventListener("load", () => { apply(); focusOnce(); });
  new ResizeObserver(apply).observe(frame);
}

// --- Machine result ---------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function text(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// A break opportunity after each comma and underscore (as pages.breakable on the server): a
// field list wraps between names, and a name between its words, rather than inside one.
function wrappable(value) {
  return text(value).split(/(?<=[,_])/).flatMap((part, i) => (i ? [element("wbr"), part] : [part]));
}

/** The same markup as the `readable` macro in case.html. */
export function renderMachine(machine) {
  const m = machine && typeof machine === "object" ? machine : {};
  const report = m.report || {};
  const rec = report.recommendation || m.recommendation || {};
  const verdict = element("dl", { class: "verdict" },
    element("dt", {}, "Machine decided"),
    element("dd", { class: "decided" }, m.decided ? "yes" : "no, so it came to review"),
    element("dt", {}, "Recommendation"),
    element("dd", {}, element("span", { class: "badge recommendation", "data-value": text(rec.value) },
      rec.value ? text(rec.value) : "none")));
  if (rec.reason) {
    const reason = rec.reason;
    const dd = element("dd", { class: "reason" });
    if (typeof reason === "object") {
      dd.append(text(reason.value));
      if (reason.detail) dd.append(" ", element("span", { class: "detail" }, `(${text(reason.detail)})`));
    } else {
      dd.append(text(reason));
    }
    verdict.append(element("dt", {}, "Reason"), dd);
  }
  if (rec.recovery_suggestion) {
    verdict.append(element("dt", {}, "Recovery suggestion"),
      element("dd", { class: "recovery" }, text(rec.recovery_suggestion)));
  }
  const parts = [verdict];
  const breakdown = Array.isArray(report.breakdown) ? report.breakdown : [];
  if (breakdown.length) {
    const body = element("tbody");
    for (const sub of breakdown) {
      const details = sub.details || [];
      const pairs = Array.isArray(details)
        ? details.map((d) => [d && d.name, d && d.value])
        : Object.entries(details).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const list = pairs.length ? element("dl", { class: "details" }) : null;
      for (const [name, value] of pairs) list.append(element("dt", {}, ...wrappable(name)), element("dd", {}, ...wrappable(value)));
      body.append(element("tr", {},
        element("td", { class: "sub-check" }, element("code", {}, ...wrappable(sub.sub_check))),
        element("td", {}, element("span", { class: "badge result", "data-value": text(sub.result) }, text(sub.result))),
        element("td", { class: "process" }, text(sub.process)),
        element("td", {}, list)));
    }
    parts.push(element("table", { class: "breakdown" },
      element("thead", {}, element("tr", {}, ...["Sub-check", "Result", "Process", "Details"]
        .map((title) => element("th", {}, title)))),
      body));
  } else if (m.report) {
    parts.push(element("p", { class: "no-breakdown" }, "No breakdown sub-checks."));
  }
  const generated = Array.isArray(m.generated_media) ? m.generated_media : [];
  if (generated.length) {
    const p = element("p", { class: "generated" }, "Generated media: ");
    generated.forEach((media, i) => {
      if (i) p.append(", ");
      p.append(element("code", {}, text(media && media.type)));
    });
    parts.push(p);
  }
  return parts;
}

function setUpMachine() {
  const target = document.getElementById("machine-readable");
  const source = document.getElementById("machine-json");
  if (!target || !source || target.dataset.render !== "client") return;
  try {
    target.replaceChildren(...renderMachine(JSON.parse(source.textContent || "null")));
  } catch {
    target.replaceChildren(element("p", {}, "The machine result is not valid JSON; see the raw JSON."));
  }
  target.dataset.render = "client-done";
  const raw = document.getElementById("machine-raw");
  if (raw) raw.open = false;
}

// --- Document fields ---------------------------------------------------------------------

function setUpFields() {
  const editor = document.getElementById("fields-editor");
  const textarea = document.getElementById("fields-json");
  const error = document.getElementById("fields-error");
  if (!editor || !textarea) return;
  const inputs = [...editor.querySelectorAll("input[data-field]")];

  function parsed() {
    const raw = textarea.value.trim();
    if (!raw) return {};
    const value = JSON.parse(raw);
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
    return value;
  }

  function showCheck(input) {
    const output = document.getElementById(`check-${input.dataset.field}`);
    if (!output) return;
    const result = mrzCheck(output.dataset.check, input.value);
    output.classList.toggle("bad", Boolean(result.error));
    output.replaceChildren();
    delete output.dataset.digit;
    if (result.error !== undefined) {
      output.textContent = result.error;
      return;
    }
    output.dataset.digit = String(result.digit);
    output.append(element("span", { class: "mrz" }, result.field), " check digit ",
      element("strong", { class: "digit" }, String(result.digit)));
  }

  function fromTextarea() {
    let fields;
    try {
      fields = parsed();
    } catch {
      error.textContent = "The document fields are not a JSON object yet; the inputs above are not updated.";
      error.hidden = false;
      return;
    }
    error.hidden = true;
    for (const input of inputs) {
      const value = fields[input.dataset.field];
      input.value = value === undefined || value === null ? "" : String(value);
      showCheck(input);
    }
  }

  function toTextarea(input) {
    let fields;
    try {
      fields = parsed();
    } catch {
      fields = {}; // the inputs win over a broken textarea
    }
    const value = input.value.trim();
    if (value) fields[input.dataset.field] = value;
    else delete fields[input.dataset.field];
    textarea.value = Object.keys(fields).length ? JSON.stringify(fields, null, 2) : "{}";
    error.hidden = true;
    showCheck(input);
  }

  for (const input of inputs) input.addEventListener("input", () => toTextarea(input));
  textarea.addEventListener("input", fromTextarea);
  editor.hidden = false;
  fromTextarea();
}

// --- Keyboard shortcuts (listed on the page) ------------------------------------------------

/** Whether a key pressed in `target` is typing, not a shortcut. */
function typing(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable]"));
}

function setUpShortcuts() {
  const form = document.getElementById("decide");
  const skip = document.getElementById("skip");
  const value = document.getElementById("decision-value");
  const reason = document.getElementById("decision-reason");
  const record = document.getElementById("record");
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    const key = event.key.toLowerCase();
    // Choosing is a key; recording stays an Enter on the focused button, so that a stray key
    // never records a decision on someone's identity.
    if (key === "a" && form && value && record) {
      value.value = form.dataset.approve;
      if (reason) reason.value = "";
      record.focus();
    } else if (key === "r" && form && value) {
      value.value = form.dataset.reject;
      (reason || record).focus();
    } else if (key === "n" && skip) {
      skip.requestSubmit();
    } else {
      return;
    }
    event.preventDefault();
  });
}

function start() {
  document.querySelectorAll("[data-viewer]").forEach(setUpViewer);
  setUpMachine();
  setUpFields();
  setUpShortcuts();
  document.documentElement.dataset.caseReady = "1";
}

if (typeof document !== "undefined" && document.querySelector(".case")) start();
