package io.github.agentmemory.redis.command;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Checks of caller input, made before anything is sent so that a mistake is reported at
 * once, never reaches Redis and never counts against the circuit breaker. Every failure
 * is an {@link IllegalArgumentException} that names the argument.
 *
 * @author agent-memory-redis
 */
public final class Arguments {

	/**
	 * Largest bulk string Redis accepts by default ({@code proto-max-bulk-len}, 512 MiB).
	 */
	public static final long MAX_BULK_BYTES = 512L * 1024 * 1024;

	private Arguments() {
	}

	/**
	 * Check a key: not null and not empty.
	 * @param key the key
	 * @return the key
	 */
	public static String key(String key) {
		return text(key, "key");
	}

	/**
	 * Check several keys: at least one, each a valid key.
	 * @param keys the keys
	 * @return an immutable copy
	 */
	public static List<String> keys(Collection<String> keys) {
		notEmpty(keys, "keys");
		for (String key : keys) {
			key(key);
		}
		return List.copyOf(keys);
	}

	/**
	 * Check a hash field or sorted-set member: not null and not empty.
	 * @param value the field or member
	 * @param name how the argument is called in messages
	 * @return the value
	 */
	public static String text(String value, String name) {
		if (value == null) {
			throw new IllegalArgumentException(quote(name) + " must not be null");
		}
		if (value.isEmpty()) {
			throw new IllegalArgumentException(quote(name) + " must not be empty");
		}
		checkSize(value, name);
		return value;
	}

	/**
	 * Check a value: not null (empty is allowed) and within Redis's bulk length limit.
	 * @param value the value
	 * @param name how the argument is called in messages
	 * @return the value
	 */
	public static String value(String value, String name) {
		if (value == null) {
			throw new IllegalArgumentException(quote(name) + " must not be null");
		}
		checkSize(value, name);
		return value;
	}

	/**
	 * Check several fields or members: at least one, none null or empty.
	 * @param values the values
	 * @param name how the argument is called in messages
	 * @return an immutable copy
	 */
	public static List<String> texts(Collection<String> values, String name) {
		notEmpty(values, name);
		for (String value : values) {
			text(value, "element of " + name);
		}
		return List.copyOf(values);
	}

	/**
	 * Check a hash: at least one field, no null or empty field, no null value.
	 * @param fields the fields and values
	 * @return an immutable copy that keeps the iteration order
	 */
	public static Map<String, String> fields(Map<String, String> fields) {
		if (fields == null) {
			throw new IllegalArgumentException("'fields' must not be null");
		}
		if (fields.isEmpty()) {
			throw new IllegalArgumentException("'fields' must not be empty");
		}
		fields.forEach((field, value) -> {
			text(field, "field");
			value(value, "value of field '" + field + "'");
		});
		return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
	}

	/**
	 * Check sorted-set members: at least one, no null or empty member, finite scores.
	 * @param members the members and scores
	 * @return an immutable copy that keeps the iteration order
	 */
	public static Map<String, Double> scores(Map<String, Double> members) {
		if (members == null) {
			throw new IllegalArgumentException("'members' must not be null");
		}
		if (members.isEmpty()) {
			throw new IllegalArgumentException("'members' must not be empty");
		}
		members.forEach((member, score) -> {
			text(member, "member");
			if (score == null) {
				throw new IllegalArgumentException("score of member '" + member + "' must not be null");
			}
			score(score, "score of member '" + member + "'");
		});
		return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(members));
	}

	/**
	 * Check a score: finite (neither NaN nor infinite).
	 * @param score the score
	 * @param name how the argument is called in messages
	 * @return the score
	 */
	public static double score(double score, String name) {
		if (!Double.isFinite(score)) {
			throw new IllegalArgumentException(quote(name) + " must be a finite number, was " + score);
		}
		return score;
	}

	/**
	 * Check a score bound: not NaN (infinite bounds mean "no bound").
	 * @param bound the bound
	 * @param name how the argument is called in messages
	 * @return the bound
	 */
	public static double bound(double bound, String name) {
		if (Double.isNaN(bound)) {
			throw new IllegalArgumentException(quote(name) + " must not be NaN");
		}
		return bound;
	}

	/**
	 * Longest duration that fits in a {@code long} of milliseconds, as Redis's
	 * {@code PX} and {@code PEXPIRE} take it.
	 */
	public static final Duration MAX_MILLIS_DURATION = Duration.ofMillis(Long.MAX_VALUE);

	/**
	 * Check a duration: not null, at least one millisecond and at most
	 * {@link #MAX_MILLIS_DURATION}.
	 * @param duration the duration
	 * @param name how the argument is called in messages
	 * @return the duration
	 */
	public static Duration positive(Duration duration, String name) {
		if (duration == null) {
			throw new IllegalArgumentException(quote(name) + " must not be null");
		}
		if (duration.compareTo(MAX_MILLIS_DURATION) > 0) {
			throw new IllegalArgumentException(quote(name) + " must fit in a long of milliseconds (at most "
					+ MAX_MILLIS_DURATION + "), was " + duration);
		}
		if (duration.toMillis() <= 0) {
			throw new IllegalArgumentException(quote(name) + " must be at least 1ms, was " + duration);
		}
		return duration;
	}

	/**
	 * Check a {@code SCAN} pattern: not null. An empty pattern is sent as it is: Redis
	 * accepts it, and it matches only the empty key.
	 * @param pattern the glob-style pattern
	 * @param name how the argument is called in messages
	 * @return the pattern
	 */
	public static String pattern(String pattern, String name) {
		return value(pattern, name);
	}

	/**
	 * Check that an argument is not null.
	 * @param <T> the argument type
	 * @param value the argument
	 * @param name how the argument is called in messages
	 * @return the argument
	 */
	public static <T> T notNull(T value, String name) {
		if (value == null) {
			throw new IllegalArgumentException(quote(name) + " must not be null");
		}
		return value;
	}

	private static String quote(String name) {
		return (name.indexOf('\'') >= 0) ? name : "'" + name + "'";
	}

	private static void notEmpty(Collection<?> values, String name) {
		if (values == null) {
			throw new IllegalArgumentException(quote(name) + " must not be null");
		}
		if (values.isEmpty()) {
			throw new IllegalArgumentException(quote(name) + " must not be empty");
		}
	}

	private static void checkSize(String value, String name) {
		// A UTF-16 char takes at most 3 UTF-8 bytes; only measure when that could exceed the limit
		if ((long) value.length() * 3 > MAX_BULK_BYTES
				&& value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_BULK_BYTES) {
			throw new IllegalArgumentException(quote(name) + " is larger than Redis accepts (proto-max-bulk-len, "
					+ MAX_BULK_BYTES + " bytes)");
		}
	}

}
