package io.github.agentmemory.redis.command;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.springframework.lang.Nullable;

/**
 * What became of a write issued with a {@link Priority}: applied, queued for replay,
 * dropped or failed, with the cause. A {@link Status#QUEUED} outcome also gives access to
 * the write's final fate through {@link #settlement()}.
 *
 * @author agent-memory-redis
 */
public final class WriteOutcome {

	private final Status status;

	private final RedisWrite write;

	@Nullable
	private final Throwable cause;

	@Nullable
	private final DropReason dropReason;

	@Nullable
	private final CompletableFuture<WriteOutcome> settlement;

	private WriteOutcome(Status status, RedisWrite write, @Nullable Throwable cause, @Nullable DropReason dropReason,
			@Nullable CompletableFuture<WriteOutcome> settlement) {
		this.status = status;
		this.write = write;
		this.cause = cause;
		this.dropReason = dropReason;
		this.settlement = settlement;
	}

	/**
	 * The write was applied by Redis.
	 * @param write the write
	 * @return the outcome
	 */
	public static WriteOutcome applied(RedisWrite write) {
		return new WriteOutcome(Status.APPLIED, write, null, null, null);
	}

	/**
	 * The write waits in the recovery queue.
	 * @param write the write
	 * @param cause why it could not be applied at once
	 * @param settlement completes with {@code APPLIED} or {@code DROPPED} once the
	 * queue is done with the write
	 * @return the outcome
	 */
	public static WriteOutcome queued(RedisWrite write, Throwable cause, CompletableFuture<WriteOutcome> settlement) {
		return new WriteOutcome(Status.QUEUED, write, cause, null, Objects.requireNonNull(settlement));
	}

	/**
	 * The write was given up.
	 * @param write the write
	 * @param reason why
	 * @param cause the last error, if any
	 * @return the outcome
	 */
	public static WriteOutcome dropped(RedisWrite write, DropReason reason, @Nullable Throwable cause) {
		return new WriteOutcome(Status.DROPPED, write, cause, Objects.requireNonNull(reason), null);
	}

	/**
	 * The write failed and the caller must decide what to do (retries exhausted, or an
	 * error that retrying cannot fix).
	 * @param write the write
	 * @param cause the error
	 * @return the outcome
	 */
	public static WriteOutcome failed(RedisWrite write, Throwable cause) {
		return new WriteOutcome(Status.FAILED, write, Objects.requireNonNull(cause), null, null);
	}

	/**
	 * What happened.
	 * @return the status
	 */
	public Status status() {
		return this.status;
	}

	/**
	 * The write this outcome is about.
	 * @return the write
	 */
	public RedisWrite write() {
		return this.write;
	}

	/**
	 * The error behind a {@code QUEUED}, {@code DROPPED} or {@code FAILED} outcome.
	 * @return the cause, or {@code null} when the write was applied
	 */
	@Nullable
	public Throwable cause() {
		return this.cause;
	}

	/**
	 * Why a {@code DROPPED} write was given up.
	 * @return the reason, or {@code null} unless dropped
	 */
	@Nullable
	public DropReason dropReason() {
		return this.dropReason;
	}

	/**
	 * For a {@code QUEUED} write: a future that completes with the final outcome
	 * ({@code APPLIED} or {@code DROPPED}) once the queue is done with it. For any other
	 * status: this outcome, already complete.
	 * @return the final outcome
	 */
	public CompletableFuture<WriteOutcome> settlement() {
		return (this.settlement != null) ? this.settlement : CompletableFuture.completedFuture(this);
	}

	/**
	 * Whether the write is in Redis.
	 * @return {@code true} for {@code APPLIED}
	 */
	public boolean isApplied() {
		return this.status == Status.APPLIED;
	}

	@Override
	public String toString() {
		StringBuilder text = new StringBuilder(this.status.name()).append(' ').append(this.write);
		if (this.dropReason != null) {
			text.append(" reason=").append(this.dropReason);
		}
		if (this.cause != null) {
			text.append(" cause=").append(this.cause);
		}
		return text.toString();
	}

	/**
	 * The possible outcomes.
	 */
	public enum Status {

		/** Redis applied the write. */
		APPLIED,

		/** The write waits in the recovery queue and will be replayed. */
		QUEUED,

		/** The write was given up; see {@link WriteOutcome#dropReason()}. */
		DROPPED,

		/** The write failed; see {@link WriteOutcome#cause()}. */
		FAILED

	}

}
