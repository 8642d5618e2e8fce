// Camera access and image preparation. Every image leaves the browser as a JPEG of at most
// MAX_SIDE pixels: phone photos are 3-8 MB, which is slow on mobile data and more than the
// checks need.
import { Fatal } from './api.js';

export const MAX_SIDE = 2000;
const QUALITY = 0.9;

// Why the camera could not start, as a yotiErrorCode.
export class CameraError extends Error {
  constructor(code, cause) {
    super(`camera: ${code}`, { cause });
    this.code = code;
  }
}

let stream = null;

export async function startCamera(video, facing) {
  stopCamera();
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError(5010);
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: facing }, width: { ideal: 1920 }, height: { ideal: 1080 } },
    });
  } catch (error) {
    const denied = error.name === 'NotAllowedError' || error.name === 'SecurityError';
    const missing = error.name === 'NotFoundError' || error.name === 'OverconstrainedError';
    throw new CameraError(denied ? 4000 : missing ? 5000 : 5010, error);
  }
  video.srcObject = stream;
  await video.play().catch(() => {}); // autoplay covers it; play() only rejects if interrupted
  if (!video.videoWidth) await new Promise((resolve) => video.addEventListener('loadedmetadata', resolve, { once: true }));
}

export function stopCamera() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
}

// Draw a video frame or a decoded image, downscaled to fit maxSide, and encode it as JPEG.
export function toJpeg(source, width, height, maxSide = MAX_SIDE) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext('2d').drawImage(source, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Fatal(5004))), 'image/jpeg', QUALITY);
  });
}

export function grab(video, maxSide) {
  return toJpeg(video, video.videoWidth, video.videoHeight, maxSide);
}

const HEIC = /^image\/hei[cf]$|\.hei[cf]$/i;
const PDF = /^application\/pdf$|\.pdf$/i;
const MAX_ORIGINAL = 15 * 1024 * 1024; // the server's upload limit

// A chosen file, decoded by the browser (orientation from EXIF applied) and re-encoded. HEIC
// (iPhone photos), which most browsers other than Safari cannot decode, goes as it is: the
// server converts it; so does a PDF scan (`pdf`: where the page accepts them), drawn by the
// server from its first page.
export async function fromFile(file, { pdf = false } = {}) {
  if (pdf && (PDF.test(file.type) || PDF.test(file.name))) {
    if (file.size > MAX_ORIGINAL) throw new Fatal(5004);
    return new Blob([file], { type: 'application/pdf' });
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (error) {
    if ((HEIC.test(file.type) || HEIC.test(file.name)) && file.size <= MAX_ORIGINAL) return new Blob([file], { type: 'image/heic' });
    throw error;
  }
  try {
    return await toJpeg(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}
