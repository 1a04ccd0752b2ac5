package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.resilience.RetryPolicy;

import org.springframework.lang.Nullable;

/**
 * A write that could not be applied at once and waits in its key's lane: data (the write
 * and its bookkeeping), never a closure. Its lane fields are guarded by the lock of its
 * key's stripe; its index links by the {@link PriorityIndex}.
 *
 * @author agent-memory-redis
 */
final class PendingWrite {

	/** The caller issued it without a priority and waits for the reply. */
	static final int PLAIN = 0;

	/** The caller waits for its retries to end (CRITICAL). */
	static final int RETRYING = 1;

	/** Queued: the caller was told QUEUED and may watch the settlement. */
	static final int QUEUED = 2;

	final RedisWrite write;

	final Priority priority;

	final long sequence;

	final long createdNanos;

	@Nullable
	final RetryPolicy retryPolicy;

	/**
	 * Priority writes: first the caller's outcome; once the caller was told QUEUED
	 * ({@link #settling}), the settlement, which completes with the final outcome when the
	 * write is applied or dropped. One field serves both: the outcome is complete by then
	 * and the caller reaches the settlement through it, so the write keeps neither the
	 * completed outcome nor its {@link WriteOutcome}. Guarded by the stripe lock.
	 */
	@Nullable
	volatile CompletableFuture<WriteOutcome> outcome;

	/** Completes with the raw reply (writes issued without a priority). */
	@Nullable
	final CompletableFuture<Object> reply;

	/** The caller was told QUEUED: {@link #outcome} is the settlement. */
	boolean settling;

	int mode;

	int attempts;

	long notBeforeNanos;

	/** Waits in its lane (or, before it fails, is about to be sent directly). */
	static final int WAITING = 0;

	/** On its way to Redis: only the sender finishes it. */
	static final int SENDING = 1;

	/** Applied or given up, for good. */
	static final int DONE = 2;

	private static final AtomicIntegerFieldUpdater<PendingWrite> STATE = AtomicIntegerFieldUpdater
		.newUpdater(PendingWrite.class, "state");

	/**
	 * {@link #WAITING}, {@link #SENDING} or {@link #DONE}. The sender (under the key's
	 * stripe lock) and the queue's housekeeping (eviction, expiry, shutdown, under the
	 * index's monitor) hold different locks, so a waiting write is sent or given up only by
	 * whoever wins {@link #claim}: a write is never both.
	 */
	private volatile int state;

	/**
	 * The last error: a {@link Throwable}, or, when it was only the circuit breaker
	 * rejecting this write (the common case while Redis is down), the breaker's state at
	 * that moment, which is all it takes to describe that rejection again (see
	 * {@code WriteSequencer#lastError}), so a queued write keeps no exception of its own.
	 */
	@Nullable
	Object lastError;

	// PriorityIndex links, guarded by the index
	boolean indexed;

	@Nullable
	PendingWrite previous;

	@Nullable
	PendingWrite next;

	PendingWrite(RedisWrite write, Priority priority, long sequence, long createdNanos, int mode,
			@Nullable RetryPolicy retryPolicy, @Nullable CompletableFuture<WriteOutcome> outcome,
			@Nullable CompletableFuture<Object> reply) {
		this.write = write;
		this.priority = priority;
		this.sequence = sequence;
		this.createdNanos = createdNanos;
		this.mode = mode;
		this.retryPolicy = retryPolicy;
		this.outcome = outcome;
		this.reply = reply;
	}

	String key() {
		return this.write.key();
	}

	/**
	 * Move from one state to another if the write is still in the first.
	 * @param from the expected state
	 * @param to the new state
	 * @return whether this caller made the move
	 */
	boolean claim(int from, int to) {
		return STATE.compareAndSet(this, from, to);
	}

	/**
	 * Set the state; only for the write's owner (the thread that holds it as sending, or
	 * that has not published it yet).
	 * @param state the new state
	 */
	void setState(int state) {
		this.state = state;
	}

	boolean isDone() {
		return this.state == DONE;
	}

	boolean isSending() {
		return this.state == SENDING;
	}

	@Override
	public String toString() {
		return this.priority + " #" + this.sequence + " " + this.write;
	}

}
