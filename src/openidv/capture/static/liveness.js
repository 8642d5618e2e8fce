// Liveness capture: the challenge's guidance, frames sent while they are captured, and what
// the browser can tell about the camera (CEN/TS 18099, injection attacks). The liveness step
// of app.js drives the screens; this module holds the protocol.
import { grab } from './camera.js';

export const FRAME_INTERVAL = 200; // 5 frames a second
export const MAX_FRAMES = 24; // the server takes at most 24 per ZOOM attempt
export const MAX_SIDE = 720;
const MOVE_MS = 1200; // each move: out and back to the centre
const MOVES = new Set(['LEFT', 'RIGHT', 'UP', 'DOWN']);

// ZOOM: fit the face in the small oval, follow it as it grows, then each move the server drew,
// in order. A challenge from before move sequences carries one turn.
export function zoomPhases(challenge) {
  const drawn = (challenge?.moves || []).filter((move) => MOVES.has(move));
  const moves = drawn.length ? drawn : [challenge?.turn === 'RIGHT' ? 'RIGHT' : 'LEFT'];
  return [['fit', 1000], ['closer', 1300], ...moves.map((move) => [move.toLowerCase(), MOVE_MS])];
}

// STATIC: a short burst around the selfie, without asking the user to move: the same
// machinery judges it (continuity, an injected still, screen traces); its middle is the selfie.
export function staticPhases() {
  return [['hold', 1800]];
}

// Names virtual cameras give themselves (OBS, ManyCam, Snap Camera, XSplit, DroidCam, ...). The
// server decides from the label; the page only reports it.
export function cameraFacts(video) {
  const track = video.srcObject?.getVideoTracks?.()[0];
  const settings = track?.getSettings?.() || {};
  const number = (value) => (Number.isFinite(value) ? Math.round(value * 100) / 100 : null);
  return {
    label: String(track?.label || '').slice(0, 128),
    width: number(settings.width),
    height: number(settings.height),
    frame_rate: number(settings.frameRate),
    facing_mode: String(settings.facingMode || '').slice(0, 16),
    resize_mode: String(settings.resizeMode || '').slice(0, 16),
    video_width: number(video.videoWidth),
    video_height: number(video.videoHeight),
    muted: Boolean(track?.muted),
  };
}

// Grab frames on schedule through the phases; each frame is sent as soon as it is grabbed, in
// order (the server sees them arrive while the capture runs, so a recording cannot be matched to
// the challenge afterwards). `onPhase(name)` updates the guidance; `send(blob)` uploads one
// frame. Resolves when every frame is sent; returns how many.
export async function captureFrames(video, phases, onPhase, send) {
  let sent = Promise.resolve();
  let count = 0;
  const start = performance.now();
  let next = start;
  let end = start;
  for (const [phase, ms] of phases) {
    end += ms;
    onPhase(phase);
    while (next < end && count < MAX_FRAMES) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
      const frame = await grab(video, MAX_SIDE);
      count += 1;
      sent = sent.then(() => send(frame));
      next = Math.max(next + FRAME_INTERVAL, performance.now());
    }
  }
  await sent;
  return count;
}

// Tell the server about the camera before the first frame (best effort: a refusal is the
// server's to judge, not a reason to stop the user).
export async function reportCamera(client, attemptId, video) {
  try {
    await client.call('POST', `liveness-attempts/${encodeURIComponent(attemptId)}/camera`, JSON.stringify(cameraFacts(video)), 'application/json');
  } catch { /* the attempt is judged without it */ }
}
