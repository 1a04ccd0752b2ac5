package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.resilience.RedisFault;
import io.github.agentmemory.redis.resilience.RetryPolicy;

import org.springframework.lang.Nullable;

/**
 * One write on its way through the write path: the write (data, never a closure), the
 * futures its caller holds, and its bookkeeping.
 *
 * <p>
 * Guarded by: its lane fields ({@link #toSend}, {@link #attempts}, {@link #undecided}...)
 * by the monitor of its key's {@link KeyLane}; its queue links by the
 * {@link RecoveryQueue}'s monitor; {@link #state} by compare-and-set, so that a waiting
 * write is sent or given up by exactly one party (<b>I1</b>).
 *
 * @author agent-memory-redis
 */
final class PendingWrite {

	private static final AtomicReferenceFieldUpdater<PendingWrite, State> STATE = AtomicReferenceFieldUpdater
		.newUpdater(PendingWrite.class, State.class, "state");

	/** What the caller asked for. */
	final RedisWrite write;

	/** How a failure of this write is handled. */
	final Handling handling;

	/** Its priority; {@code null} for a write issued without one. */
	@Nullable
	final Priority priority;

	/** Issue order, across all keys, taken when the write reaches its lane. */
	long sequence;

	/** When it was issued (monotonic nanoseconds). */
	final long createdNanos;

	/** Retries of a write issued without a priority or {@code CRITICAL}; else {@code null}. */
	@Nullable
	final RetryPolicy retryPolicy;

	/** Completes with the reply, converted for the caller ({@link Handling#CALL}). */
	@Nullable
	final WriteReply<?> reply;

	/** Completes with the first outcome (writes with a priority). */
	@Nullable
	final CompletableFuture<WriteOutcome> outcome;

	/** Completes with the final outcome once the write was answered {@code QUEUED}. */
	@Nullable
	CompletableFuture<WriteOutcome> settlement;

	/**
	 * What is still to be sent: the write itself, or what is left of it once a later write
	 * to its key overwrote part of it ({@link WriteConflicts}).
	 */
	RedisWrite toSend;

	/** Answered {@code QUEUED}: it is (or is about to be) in the recovery queue. */
	boolean queued;

	/** Its own failed sends (never a rejection by the breaker, never a probe's failure). */
	int attempts;

	/** Not to be sent again before this time (monotonic nanoseconds). */
	long notBeforeNanos;

	/** Failed while later writes to its key were in flight: decided once they end. */
	boolean undecided;

	/** A later write to its key overwrote all of it. */
	boolean superseded;

	/** A later write to its key was applied that it cannot be applied after. */
	boolean conflicted;

	/** Sent from its key's waiting writes (a retry or a replay), not on arrival. */
	boolean resent;

	/** Sent as the recovery queue's probe: a failure does not count as an attempt. */
	boolean probe;

	@Nullable
	Throwable lastError;

	@Nullable
	RedisFault lastFault;

	boolean lastRejected;

	boolean lastNeverSent;

	/** Its key's lane, set on arrival (a lane outlives the writes in it). */
	KeyLane lane;

	/** Its entry in the recovery journal, or -1 when it has none. */
	long journalId = -1;

	/**
	 * Loaded back from the journal after it was parked ({@link ParkedWriteLoader}): no
	 * parked write of its key is older (parked writes are loaded oldest first), so it
	 * never waits for one.
	 */
	boolean loaded;

	/** Being written to the journal: owned by the write path until the commit answers. */
	boolean journaling;

	/** Counted as enqueued (once, whatever happens later: <b>I5</b>). */
	boolean counted;

	// RecoveryQueue links, guarded by the queue
	boolean linked;

	@Nullable
	PendingWrite previous;

	@Nullable
	PendingWrite next;

	private volatile State state = State.SENDING;

	PendingWrite(RedisWrite write, Handling handling, @Nullable Priority priority, long createdNanos,
			@Nullable RetryPolicy retryPolicy, @Nullable WriteReply<?> reply,
			@Nullable CompletableFuture<WriteOutcome> outcome) {
		this.write = write;
		this.toSend = write;
		this.handling = handling;
		this.priority = priority;
		this.createdNanos = createdNanos;
		this.retryPolicy = retryPolicy;
		this.reply = reply;
		this.outcome = outcome;
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
	boolean claim(State from, State to) {
		return STATE.compareAndSet(this, from, to);
	}

	State state() {
		return this.state;
	}

	boolean isDone() {
		return this.state == State.DONE;
	}

	/**
	 * Priority for the queue's order: a queued write without one (never happens) would
	 * count as the least important.
	 */
	Priority queuePriority() {
		return (this.priority != null) ? this.priority : Priority.LOW;
	}

	@Override
	public String toString() {
		return ((this.priority != null) ? this.priority : "call") + " #" + this.sequence + " " + this.write;
	}

	/**
	 * Where a write is. Only {@link #WAITING} writes may be claimed by someone else.
	 */
	enum State {

		/** Owned by whoever sent it (or is deciding about it): nobody else touches it. */
		SENDING,

		/** Waits in its key's lane (and, if queued, in the recovery queue). */
		WAITING,

		/** Reached its terminal outcome. */
		DONE

	}

	/**
	 * How a failure of the write is handled, from its priority.
	 */
	enum Handling {

		/** No priority: retried if idempotent, then the error goes to the caller. */
		CALL,

		/** {@link Priority#CRITICAL}: retried; queued on an open circuit or a full Redis. */
		RETRY,

		/** {@link Priority#HIGH} and {@link Priority#NORMAL}: queued. */
		QUEUE,

		/** {@link Priority#LOW}: dropped. */
		DROP;

		static Handling of(@Nullable Priority priority) {
			if (priority == null) {
				return CALL;
			}
			return switch (priority) {
				case CRITICAL -> RETRY;
				case HIGH, NORMAL -> QUEUE;
				case LOW -> DROP;
			};
		}

	}

}
