package io.github.agentmemory.redis.command;

import java.time.Duration;
import java.util.Objects;

import org.springframework.lang.Nullable;

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

		private boolean ifAbsent;

		private boolean ifPresent;

		private Builder() {
		}

		/**
		 * Expire the value after the given time.
		 * @param ttl the time to live, at least one millisecond, at most
		 * {@link Arguments#MAX_MILLIS_DURATION}
		 * @return this builder
		 */
		public Builder ttl(Duration ttl) {
			this.ttl = Arguments.positive(ttl, "ttl");
			return this;
		}

		/**
		 * Set only if the key does not exist ({@code NX}). Excludes {@link #ifPresent()}.
		 * @return this builder
		 */
		public Builder ifAbsent() {
			this.ifAbsent = true;
			return this;
		}

		/**
		 * Set only if the key already exists ({@code XX}). Excludes {@link #ifAbsent()}.
		 * @return this builder
		 */
		public Builder ifPresent() {
			this.ifPresent = true;
			return this;
		}

		/**
		 * Build the options.
		 * @return the immutable options
		 * @throws IllegalArgumentException if both {@link #ifAbsent()} and
		 * {@link #ifPresent()} were called (Redis rejects {@code NX} with {@code XX})
		 */
		public SetOptions build() {
			if (this.ifAbsent && this.ifPresent) {
				throw new IllegalArgumentException("SET options NX (ifAbsent) and XX (ifPresent) exclude each other");
			}
			Condition condition = this.ifAbsent ? Condition.IF_ABSENT
					: this.ifPresent ? Condition.IF_PRESENT : Condition.ALWAYS;
			return (this.ttl == null && condition == Condition.ALWAYS) ? NONE : new SetOptions(this.ttl, condition);
		}

	}

}
