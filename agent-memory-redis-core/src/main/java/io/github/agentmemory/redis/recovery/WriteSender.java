package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

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

	/**
	 * Send a write and hand its reply to a callback, once: the raw reply, or the error
	 * (as {@link #send(RedisWrite)} would complete its future). The callback runs on the
	 * thread that completes the reply, or on the calling thread before this method
	 * returns if the reply is already there. The default sends through
	 * {@link #send(RedisWrite)}; a sender may override it to save the future.
	 * @param write the write
	 * @param callback receives the reply, or the error
	 */
	default void send(RedisWrite write, BiConsumer<Object, Throwable> callback) {
		CompletableFuture<Object> reply;
		try {
			reply = send(write);
		}
		catch (RuntimeException ex) {
			callback.accept(null, ex);
			return;
		}
		if (reply == null) {
			callback.accept(null, new IllegalStateException("The sender returned no future"));
			return;
		}
		reply.whenComplete(callback);
	}

	/**
	 * Send the writes that {@code sends} sends (through {@link #send}, on the calling
	 * thread) as one batch: the sender may hold them back and write them to Redis together,
	 * pipelined, possibly on a connection of its own; each write still gets its own reply
	 * and its own breaker permission. The caller sends at most one write per key in a
	 * batch, and a key's next write only once the previous one was answered, so a failure
	 * in the middle of a batch cannot let a later write of a key be applied after an
	 * earlier one failed. The default sends each write at once.
	 * @param sends sends the batch's writes
	 */
	default void sendBatch(Runnable sends) {
		sends.run();
	}

}
