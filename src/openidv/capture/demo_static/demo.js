// The demo integrator page: follow the embedded capture page, then show the result.
const frame = document.querySelector('iframe[data-result]');
if (frame) {
  const pageOrigin = new URL(frame.src).origin;
  window.addEventListener('message', (event) => {
    if (event.origin !== pageOrigin || !event.data) return;
    const result = new URL(frame.dataset.result, window.location.href);
    if (event.data.eventType === 'SUCCESS') window.location.assign(result.href);
    if (event.data.eventType === 'ERROR') {
      result.searchParams.set('yotiErrorCode', String(event.data.eventCode));
      window.location.assign(result.href);
    }
  });
}
