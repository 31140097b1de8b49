import { Stack } from 'flotilla';

// A private copy of the stack: its own project name, free host ports, removed even if this process crashes.
await using stack = await Stack.up({
  files: ['examples/ci-test-stack/compose.yaml'],
  env: { SEED_VISITS: '41' },
});

const url = await stack.url('web', 5000); // e.g. http://127.0.0.1:32771
const answer = await (await fetch(url)).text();
console.log(answer); // "…: Number of visits is: 42"

const { stdout } = await stack.exec('redis', ['redis-cli', 'get', 'visits']);
console.log(`redis says ${stdout.trim()}`); // stack.down() runs when `stack` goes out of scope
