package io.github.agentmemory.redis.command;

import java.util.Objects;

/**
 * Immutable flags of a {@code ZADD}: {@code NX} (only add new members), {@code XX} (only
 * update existing members), {@code CH} (count changed rather than added members) and
 * {@code INCR} (add the score to the member's current score). {@code NX} and {@code XX}
 * exclude each other; {@code INCR} takes exactly one member.
 *
 * @author agent-memory-redis
 */
public final class ZAddOptions {

	private static final ZAddOptions NONE = new ZAddOptions(false, false, false, false);

	private final boolean onlyNew;

	private final boolean onlyExisting;

	private final boolean countChanged;

	private final boolean increment;

	private ZAddOptions(boolean onlyNew, boolean onlyExisting, boolean countChanged, boolean increment) {
		this.onlyNew = onlyNew;
		this.onlyExisting = onlyExisting;
		this.countChanged = countChanged;
		this.increment = increment;
	}

	/**
	 * Options with no flag set.
	 * @return the plain options
	 */
	public static ZAddOptions none() {
		return NONE;
	}

	/**
	 * Create a new builder.
	 * @return a builder with no flag set
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Whether only new members are added ({@code NX}).
	 * @return whether {@code NX} is set
	 */
	public boolean isOnlyNew() {
		return this.onlyNew;
	}

	/**
	 * Whether only existing members are updated ({@code XX}).
	 * @return whether {@code XX} is set
	 */
	public boolean isOnlyExisting() {
		return this.onlyExisting;
	}

	/**
	 * Whether the reply counts changed members instead of added ones ({@code CH}).
	 * @return whether {@code CH} is set
	 */
	public boolean isCountChanged() {
		return this.countChanged;
	}

	/**
	 * Whether the score is added to the current one ({@code INCR}). Such a write is not
	 * idempotent and therefore never retried automatically.
	 * @return whether {@code INCR} is set
	 */
	public boolean isIncrement() {
		return this.increment;
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof ZAddOptions that) && this.onlyNew == that.onlyNew
				&& this.onlyExisting == that.onlyExisting && this.countChanged == that.countChanged
				&& this.increment == that.increment;
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.onlyNew, this.onlyExisting, this.countChanged, this.increment);
	}

	@Override
	public String toString() {
		return "ZAddOptions[nx=" + this.onlyNew + ", xx=" + this.onlyExisting + ", ch=" + this.countChanged
				+ ", incr=" + this.increment + "]";
	}

	/**
	 * Builder for {@link ZAddOptions}.
	 */
	public static final class Builder {

		private boolean onlyNew;

		private boolean onlyExisting;

		private boolean countChanged;

		private boolean increment;

		private Builder() {
		}

		/**
		 * Only add new members, never update existing ones ({@code NX}).
		 * @return this builder
		 */
		public Builder onlyNew() {
			this.onlyNew = true;
			return this;
		}

		/**
		 * Only update existing members, never add new ones ({@code XX}).
		 * @return this builder
		 */
		public Builder onlyExisting() {
			this.onlyExisting = true;
			return this;
		}

		/**
		 * Count changed members (added or updated) in the reply ({@code CH}).
		 * @return this builder
		 */
		public Builder countChanged() {
			this.countChanged = true;
			return this;
		}

		/**
		 * Increment the member's score by the given one ({@code INCR}).
		 * @return this builder
		 */
		public Builder increment() {
			this.increment = true;
			return this;
		}

		/**
		 * Build the options.
		 * @return the immutable options
		 * @throws IllegalArgumentException if both {@code NX} and {@code XX} are set
		 */
		public ZAddOptions build() {
			if (this.onlyNew && this.onlyExisting) {
				throw new IllegalArgumentException("ZADD options NX (onlyNew) and XX (onlyExisting) exclude each other");
			}
			return new ZAddOptions(this.onlyNew, this.onlyExisting, this.countChanged, this.increment);
		}

	}

}
