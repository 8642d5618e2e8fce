// Back: the page's own Back button and the browser's, which do the same thing. A screen that
// can go back waits with `orBack(promise)`: Back rejects it with `Back`, and the journey
// (app.js) returns to the screen before. The browser's Back is caught with one history entry
// pushed over the page's own: pressing it pops that entry (popstate) instead of leaving the
// page, and the entry is pushed again while a screen can still go back. Where none can (the
// first screen), it is not, so the next press leaves the page as usual; what was done is kept
// by the server, and coming back resumes it.

export class Back extends Error {}

let waiting = [];
let guarded = false;
let button = null;

function refresh() {
  if (button) button.hidden = waiting.length === 0;
  if (waiting.length && !guarded) {
    history.pushState({ openidv: 'step' }, '');
    guarded = true;
  }
}

function goBack() {
  const callers = waiting;
  waiting = [];
  for (const reject of callers) reject(new Back());
  refresh();
}

export function install(backButton) {
  button = backButton;
  // The guard entry stays where it is: the screen gone back to can go back again.
  button.onclick = goBack;
  addEventListener('popstate', () => {
    guarded = false;
    goBack();
  });
}

// `promise`, or a Back rejection when the user goes back first.
export function orBack(promise) {
  return new Promise((resolve, reject) => {
    const entry = (error) => reject(error);
    waiting.push(entry);
    refresh();
    const done = () => {
      waiting = waiting.filter((other) => other !== entry);
      if (button) button.hidden = waiting.length === 0;
    };
    promise.then((value) => { done(); resolve(value); }, (error) => { done(); reject(error); });
  });
}
