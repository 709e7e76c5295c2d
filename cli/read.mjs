// Reading a whole file in one read call: fs.promises.readFile reads in 512 KiB steps, each a trip through
// libuv's thread pool (a 13 MB spec took 25 of them, 4-9 ms; one read takes 2). Files whose size the file
// system does not know in advance (size 0: /proc, pipes) go through readFile.
import { open } from 'node:fs/promises';

export async function readWhole(file) {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return await handle.readFile();
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, size - at, at);
      if (bytesRead === 0) break; // shrank since stat: what is there
      at += bytesRead;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}
