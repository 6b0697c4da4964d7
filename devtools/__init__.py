"""Development tools beside the app (never imported by it): real server
processes for tests and benchmarks, the browser helpers, the tests' dates."""
