package io.github.agentmemory.redis.command;

/**
 * Why a write was given up. Every drop is logged and counted under its reason.
 *
 * @author agent-memory-redis
 */
public enum DropReason {

	/** A {@link Priority#LOW} write could not be applied at once and is not retried. */
	LOW_PRIORITY,

	/** The recovery queue was full and the entry was evicted for a more important one. */
	CAPACITY,

	/** The entry waited in the recovery queue longer than its maximum age. */
	EXPIRED,

	/** The entry's replay failed as many times as allowed. */
	ATTEMPTS_EXHAUSTED,

	/** Redis refused the write for good (for example {@code WRONGTYPE}); retrying cannot help. */
	PERMANENT_ERROR,

	/**
	 * A newer write to the same key was applied first; replaying this older one would
	 * have overwritten newer data.
	 */
	SUPERSEDED,

	/**
	 * A write that is not idempotent failed in a way that may or may not have applied it
	 * (a timeout, a lost connection); repeating it could apply it twice.
	 */
	NOT_RETRYABLE,

	/** The application shut down before the entry could be replayed. */
	SHUTDOWN,

	/** The write would have been queued, but the recovery queue is switched off. */
	QUEUE_DISABLED,

	/**
	 * The write would have been queued, but the recovery journal is full (its
	 * {@code max-entries} or {@code max-bytes}); it was never answered {@code QUEUED}.
	 */
	JOURNAL_FULL,

	/**
	 * The write would have been queued, but the recovery journal could not store it (a
	 * full disk, an I/O error); it was never answered {@code QUEUED}.
	 */
	JOURNAL_FAILED,

	/**
	 * The application shut down with the write still queued, and the recovery journal
	 * keeps it: the next start replays it. Not lost; this process only stops watching it.
	 */
	HANDED_OVER

}
