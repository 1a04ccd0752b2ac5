package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.RedisWrite;

/**
 * Sends a write to Redis once, through the circuit breaker, without retrying it:
 * retries, queueing and order are the {@link WriteSequencer}'s.
 *
 * @author agent-memory-redis
 */
@FunctionalInterface
public interface WriteSender {

	/**
	 * Send a write.
	 * @param write the write
	 * @return the raw reply, or the error (a rejection by the open circuit is a
	 * {@link io.github.agentmemory.redis.resilience.RedisCircuitOpenException})
	 */
	CompletableFuture<Object> send(RedisWrite write);

}
