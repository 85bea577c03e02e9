// A benchmark's child process: a fresh Node with the product's flags running one script under tsx,
// which prints its result as JSON on stdout. Async, so several can run at once.
import { spawn } from 'node:child_process';
import { NODE_FLAGS } from '../src/nodeFlags.ts';

/** Runs `script` with `args` in a child process; resolves to the JSON it printed. */
export function runChild<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${script}: a child exited with ${code}`))));
  });
}
