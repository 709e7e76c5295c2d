// Reading files for the core.
//
// readWhole: a whole file, synchronously. fs.readFileSync reads a regular file's stat size in one read call,
// with no trips through libuv's thread pool and the event loop. fs.promises.readFile reads in 512 KiB steps
// (a 13 MB spec took 25 trips, 4-9 ms), and even a single asynchronous read leaves the event loop free to
// run pending tasks (garbage collection among them) before the bytes arrive. The CLI has nothing else to
// do while it reads. Files whose size is not known in advance (/proc, pipes) are read to their end.
//
// readForCore: what the CLI hands the core. A regular file becomes a file source ({size, read}: FileSource
// in wasm/smeltsec.d.mts) that the core reads straight into its own memory when it needs the file: no
// Buffer of the file's size on the JS heap (fresh memory for 13 MB costs ~5 ms of page faults, and its
// collection later), no second copy. Anything else is read whole.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

export function readWhole(file) {
  return readFileSync(file);
}

export function readForCore(file) {
  const info = statSync(file);
  if (!info.isFile() || info.size === 0) return readWhole(file);
  return { size: info.size, read: (target) => readInto(file, target) };
}

// Fills `target` from the start of `file`; returns how many bytes it wrote: fewer if the file shrank since
// its size was taken; a file that grew is read up to that size (as fs.readFileSync does).
function readInto(file, target) {
  const fd = openSync(file, 'r');
  try {
    let at = 0;
    while (at < target.length) {
      const n = readSync(fd, target, at, target.length - at, at);
      if (n === 0) break;
      at += n;
    }
    return at;
  } finally {
    closeSync(fd);
  }
}

// The core's file list for a Map of bundle path → bytes or file source (as readForCore returns them).
export function coreFiles(files) {
  return [...files].map(([path, file]) => (file instanceof Uint8Array ? { path, bytes: file } : { path, ...file }));
}
