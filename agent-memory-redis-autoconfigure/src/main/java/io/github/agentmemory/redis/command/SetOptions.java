package io.github.agentmemory.redis.command;

import java.time.Duration;
import java.util.Objects;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Immutable options of a {@code SET}: an optional time to live and an optional
 * condition ({@code NX}: only if absent, {@code XX}: only if present).
 *
 * <pre class="code">
 * template.set("session:42", token, SetOptions.builder().ttl(Duration.ofMinutes(30)).ifAbsent().build());
 * </pre>
 *
 * @author agent-memory-redis
 */
public final class SetOptions {

	private static final SetOptions NONE = new SetOptions(null, Condition.ALWAYS);

	@Nullable
	private final Duration ttl;

	private final Condition condition;

	private SetOptions(@Nullable Duration ttl, Condition condition) {
		this.ttl = ttl;
		this.condition = condition;
	}

	/**
	 * Options that set unconditionally and without expiry.
	 * @return the plain options
	 */
	public static SetOptions none() {
		return NONE;
	}

	/**
	 * Shortcut for options with only a time to live.
	 * @param ttl the time to live, positive and at least one millisecond
	 * @return the options
	 */
	public static SetOptions ttl(Duration ttl) {
		return builder().ttl(ttl).build();
	}

	/**
	 * Create a new builder.
	 * @return a builder with no ttl and no condition
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Time to live of the value, or {@code null} for none.
	 * @return the ttl
	 */
	@Nullable
	public Duration getTtl() {
		return this.ttl;
	}

	/**
	 * Condition under which the value is set.
	 * @return the condition
	 */
	public Condition getCondition() {
		return this.condition;
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof SetOptions that) && Objects.equals(this.ttl, that.ttl)
				&& this.condition == that.condition;
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.ttl, this.condition);
	}

	@Override
	public String toString() {
		return "SetOptions[ttl=" + this.ttl + ", condition=" + this.condition + "]";
	}

	/**
	 * When a {@code SET} applies.
	 */
	public enum Condition {

		/** Always set the value. */
		ALWAYS,

		/** Set only if the key does not exist ({@code NX}). */
		IF_ABSENT,

		/** Set only if the key already exists ({@code XX}). */
		IF_PRESENT

	}

	/**
	 * Builder for {@link SetOptions}.
	 */
	public static final class Builder {

		@Nullable
		private Duration ttl;

		private Condition condition = Condition.ALWAYS;

		private Builder() {
		}

		/**
		 * Expire the value after the given time.
		 * @param ttl the time to live, at least one millisecond
		 * @return this builder
		 */
		public Builder ttl(Duration ttl) {
			Assert.notNull(ttl, "'ttl' must not be null");
			Assert.isTrue(ttl.toMillis() > 0, () -> "'ttl' must be at least 1ms, was " + ttl);
			this.ttl = ttl;
			return this;
		}

		/**
		 * Set only if the key does not exist ({@code NX}).
		 * @return this builder
		 */
		public Builder ifAbsent() {
			this.condition = Condition.IF_ABSENT;
			return this;
		}

		/**
		 * Set only if the key already exists ({@code XX}).
		 * @return this builder
		 */
		public Builder ifPresent() {
			this.condition = Condition.IF_PRESENT;
			return this;
		}

		/**
		 * Build the options.
		 * @return the immutable options
		 */
		public SetOptions build() {
			return (this.ttl == null && this.condition == Condition.ALWAYS) ? NONE
					: new SetOptions(this.ttl, this.condition);
		}

	}

}
