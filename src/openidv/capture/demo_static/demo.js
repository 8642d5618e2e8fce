// The demo integrator page: follow the embedded capture page, then show the result.
const frame = document.querySelector('iframe[data-result]');
if (frame) {
  const pageOrigin = new URL(frame.src).origin;
  window.addEventListener('message', (event) => {
    if (event.origin !== pageOrigin || !event.data) return;
    if (event.data.eventType === 'SUCCESS') window.location.assign(frame.dataset.result);
    if (event.data.eventType === 'ERROR') {
      window.location.assign(`${frame.dataset.result}?yotiErrorCode=${encodeURIComponent(event.data.eventCode)}`);
    }
  });
}
