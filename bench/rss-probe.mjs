// Preloaded into Node child processes (`node --import bench/rss-probe.mjs ...`) only when /usr/bin/time is
// missing: writes the process's peak RSS in KB to $SMELTSEC_BENCH_RSS_FILE when it exits.
import { writeFileSync } from 'node:fs';

const file = process.env.SMELTSEC_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
