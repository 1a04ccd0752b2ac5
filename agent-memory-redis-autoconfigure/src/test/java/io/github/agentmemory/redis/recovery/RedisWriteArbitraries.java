package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of keys ({@link KeyModel}) and writes for property tests, over small
 * alphabets so that writes collide often: fields and members {@code a}, {@code b},
 * {@code c}; values {@code x}, {@code y}; scores 1 and 2; a time to live or none.
 */
final class RedisWriteArbitraries {

	static final String KEY = "k";

	static final List<String> NAMES = List.of("a", "b", "c");

	/** Long enough that no key expires while a try runs against a real Redis. */
	static final Duration TTL = Duration.ofMinutes(1);

	private RedisWriteArbitraries() {
	}

	/**
	 * Any state of one key, more often a hash or a sorted set than absent or a string.
	 */
	static Arbitrary<KeyModel> states() {
		Arbitrary<Boolean> ttl = Arbitraries.of(true, false);
		return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(KeyModel.absent())),
				Tuple.of(1, Combinators.combine(values(), ttl).as(KeyModel::string)),
				Tuple.of(2, Combinators.combine(fieldMaps(), ttl).as(KeyModel::hash)),
				Tuple.of(2, Combinators.combine(memberMaps(), ttl).as(KeyModel::sortedSet)));
	}

	/**
	 * Any write to {@code key}, more often a field write than a whole-key one.
	 */
	static Arbitrary<Write> writes(String key) {
		return Arbitraries.frequencyOf(Tuple.of(3, sets(key)),
				Tuple.of(1, Arbitraries.just(new Write(RedisWrite.delete(key)))),
				Tuple.of(1, Arbitraries.just(new Write(RedisWrite.expire(key, TTL)))), Tuple.of(7, hashWrites(key)),
				Tuple.of(8, sortedSetWrites(key)));
	}

	static Arbitrary<Write> hashWrites(String key) {
		return Arbitraries.frequencyOf(Tuple.of(4, fieldMaps().map((fields) -> RedisWrite.hset(key, fields))),
				Tuple.of(3, nameLists().map((fields) -> RedisWrite.hdel(key, fields))))
			.map(Write::new);
	}

	static Arbitrary<Write> sortedSetWrites(String key) {
		return Arbitraries.frequencyOf(Tuple.of(5, sortedSetAdds(key)),
				Tuple.of(3, nameLists().map((members) -> RedisWrite.zrem(key, members))))
			.map(Write::new);
	}

	static Arbitrary<Write> sets(String key) {
		return Combinators.combine(values(), Arbitraries.of(SetOptions.Condition.class), Arbitraries.of(true, false))
			.as((value, condition, ttl) -> new Write(RedisWrite.set(key, value, setOptions(condition, ttl))));
	}

	static SetOptions setOptions(SetOptions.Condition condition, boolean ttl) {
		SetOptions.Builder builder = SetOptions.builder();
		if (condition == SetOptions.Condition.IF_ABSENT) {
			builder.ifAbsent();
		}
		if (condition == SetOptions.Condition.IF_PRESENT) {
			builder.ifPresent();
		}
		if (ttl) {
			builder.ttl(TTL);
		}
		return builder.build();
	}

	static Arbitrary<String> names() {
		return Arbitraries.of(NAMES);
	}

	static Arbitrary<String> values() {
		return Arbitraries.of("x", "y");
	}

	static Arbitrary<Double> scores() {
		return Arbitraries.of(1.0, 2.0);
	}

	/**
	 * {@code ZADD} flags: none, {@code NX} or {@code XX}, with or without {@code CH}, and
	 * with or without {@code INCR} when it may be set.
	 */
	static Arbitrary<ZAddOptions> addOptions(boolean mayIncrement) {
		Arbitrary<Boolean> flag = Arbitraries.of(true, false);
		return Combinators.combine(Arbitraries.of("none", "NX", "XX"), flag, flag)
			.as((condition, countChanged, increment) -> {
				ZAddOptions.Builder builder = ZAddOptions.builder();
				if (condition.equals("NX")) {
					builder.onlyNew();
				}
				if (condition.equals("XX")) {
					builder.onlyExisting();
				}
				if (countChanged) {
					builder.countChanged();
				}
				if (increment && mayIncrement) {
					builder.increment();
				}
				return builder.build();
			});
	}

	private static Arbitrary<RedisWrite> sortedSetAdds(String key) {
		Arbitrary<RedisWrite> plain = Combinators.combine(memberMaps(), addOptions(false))
			.as((members, options) -> RedisWrite.zadd(key, members, options));
		Arbitrary<RedisWrite> increments = Combinators
			.combine(names(), scores(), addOptions(false).map(RedisWriteArbitraries::withIncrement))
			.as((member, score, options) -> RedisWrite.zadd(key, Map.of(member, score), options));
		return Arbitraries.frequencyOf(Tuple.of(3, plain), Tuple.of(1, increments));
	}

	private static ZAddOptions withIncrement(ZAddOptions options) {
		ZAddOptions.Builder builder = ZAddOptions.builder().increment();
		if (options.isOnlyNew()) {
			builder.onlyNew();
		}
		if (options.isOnlyExisting()) {
			builder.onlyExisting();
		}
		if (options.isCountChanged()) {
			builder.countChanged();
		}
		return builder.build();
	}

	private static Arbitrary<Map<String, String>> fieldMaps() {
		return Arbitraries.maps(names(), values()).ofMinSize(1).ofMaxSize(NAMES.size());
	}

	private static Arbitrary<Map<String, Double>> memberMaps() {
		return Arbitraries.maps(names(), scores()).ofMinSize(1).ofMaxSize(NAMES.size());
	}

	private static Arbitrary<List<String>> nameLists() {
		// duplicates allowed: HDEL and ZREM accept a name twice
		return names().list().ofMinSize(1).ofMaxSize(NAMES.size());
	}

	/**
	 * The fields or members a write names, empty for a whole-key write.
	 */
	static Collection<String> names(RedisWrite write) {
		if (write instanceof RedisWrite.HashSet hashSet) {
			return hashSet.fields().keySet();
		}
		if (write instanceof RedisWrite.HashDelete hashDelete) {
			return hashDelete.fields();
		}
		if (write instanceof RedisWrite.SortedSetAdd add) {
			return add.members().keySet();
		}
		if (write instanceof RedisWrite.SortedSetRemove remove) {
			return remove.members();
		}
		return List.of();
	}

	/**
	 * A write as Redis would read it, for counterexamples ({@link RedisWrite#toString()}
	 * leaves values out).
	 */
	static String describe(RedisWrite write) {
		if (write == null) {
			return "none";
		}
		List<String> words = new ArrayList<>(List.of(write.command(), write.key()));
		if (write instanceof RedisWrite.Set set) {
			words.add(set.value());
			if (set.options().getTtl() != null) {
				words.add("PX " + set.options().getTtl().toMillis());
			}
			if (set.options().getCondition() != SetOptions.Condition.ALWAYS) {
				words.add((set.options().getCondition() == SetOptions.Condition.IF_ABSENT) ? "NX" : "XX");
			}
		}
		else if (write instanceof RedisWrite.Expire expire) {
			words.add(Long.toString(expire.ttl().toMillis()));
		}
		else if (write instanceof RedisWrite.HashSet hashSet) {
			hashSet.fields().forEach((field, value) -> words.add(field + " " + value));
		}
		else if (write instanceof RedisWrite.SortedSetAdd add) {
			ZAddOptions options = add.options();
			words.add(options.isOnlyNew() ? "NX" : options.isOnlyExisting() ? "XX" : "");
			words.add(options.isCountChanged() ? "CH" : "");
			words.add(options.isIncrement() ? "INCR" : "");
			add.members().forEach((member, score) -> words.add(score + " " + member));
		}
		else {
			words.addAll(names(write));
		}
		return words.stream().filter((word) -> !word.isEmpty()).collect(Collectors.joining(" "));
	}

	/**
	 * A generated write, shown in full in counterexamples.
	 *
	 * @param write the write
	 */
	record Write(RedisWrite write) {

		@Override
		public String toString() {
			return describe(this.write);
		}

	}

}
