// What the page runs on: a phone or a computer (the wording, the hand-off offer), and which
// browser (the steps that allow a refused camera again).

// A phone or tablet: the browser says so (Client Hints), else its user agent or a coarse
// pointer on a small screen does. A page opened from the hand-off QR code is the phone.
export function isPhone(handedOver = false) {
  if (handedOver) return true;
  const mobile = navigator.userAgentData?.mobile;
  if (mobile === true) return true;
  if (/Android|iPhone|iPad|iPod|Mobile/i.test(navigator.userAgent)) return true;
  // iPadOS reports itself as a Mac: only its touch screen tells.
  if (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1) return true;
  return mobile === undefined && matchMedia('(pointer: coarse)').matches && Math.min(screen.width, screen.height) < 820;
}

// The browser family whose settings the camera-permission steps describe.
export function browserFamily() {
  const agent = navigator.userAgent;
  if (/iPhone|iPad|iPod/.test(agent) || (/Macintosh/.test(agent) && navigator.maxTouchPoints > 1)) return 'ios';
  if (/Firefox\//.test(agent)) return 'firefox';
  if (/Android/.test(agent)) return 'android';
  if (/Edg\//.test(agent) || /Chrome\//.test(agent) || /Chromium\//.test(agent)) return 'chrome';
  if (/Safari\//.test(agent)) return 'safari';
  return 'other';
}
