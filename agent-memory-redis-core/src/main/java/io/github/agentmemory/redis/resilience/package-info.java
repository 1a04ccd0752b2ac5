/**
 * Error classification, the circuit breaker, retries with backoff and the library's scheduler.
 */
package io.github.agentmemory.redis.resilience;
