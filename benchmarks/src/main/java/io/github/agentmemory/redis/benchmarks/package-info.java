/**
 * Benchmark harness comparing the template with Lettuce, Spring Data and Redisson.
 */
package io.github.agentmemory.redis.benchmarks;
