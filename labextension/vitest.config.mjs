// Front-end unit tests: the pure modules (paging, log following, chart data, formatting), run in Node.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node'
  }
});
