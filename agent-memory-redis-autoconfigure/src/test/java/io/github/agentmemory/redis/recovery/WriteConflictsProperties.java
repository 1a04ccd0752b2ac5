package io.github.agentmemory.redis.recovery;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.github.agentmemory.redis.recovery.RedisWriteArbitraries.Write;
import io.github.agentmemory.redis.recovery.WriteConflicts.Kind;
import io.github.agentmemory.redis.recovery.WriteConflicts.Residual;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import static io.github.agentmemory.redis.recovery.RedisWriteArbitraries.KEY;
import static io.github.agentmemory.redis.recovery.RedisWriteArbitraries.describe;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of {@link WriteConflicts}, checked against {@link KeyModel}: the contract of
 * its javadoc (a residual applied after the later write leaves the key as the asked order
 * would), and that it does not play safe by answering {@link Kind#CONFLICT} to
 * everything. The alphabets are small ({@link RedisWriteArbitraries}) so that writes
 * collide often.
 */
class WriteConflictsProperties {

	private static final String OTHER_KEY = "other";

	@Property(tries = 60_000, maxDiscardRatio = 5)
	void residualAfterTheLaterWriteLeavesTheKeyAsTheAskedOrderWould(@ForAll("states") KeyModel state,
			@ForAll("writePairs") WritePair writes) {
		RedisWrite earlier = writes.earlier().write();
		RedisWrite later = writes.later().write();
		Residual residual = WriteConflicts.residual(earlier, later);
		Optional<KeyModel> asked = state.applyAll(earlier, later);
		Optional<KeyModel> laterFirst = state.apply(later);
		Assume.that(residual.kind() != Kind.CONFLICT && asked.isPresent() && laterFirst.isPresent());
		Statistics.label("residual").collect(residual.kind());
		Statistics.label("residual").coverage((coverage) -> {
			coverage.check(Kind.SUPERSEDED).percentage((percent) -> percent > 10);
			coverage.check(Kind.INDEPENDENT).percentage((percent) -> percent > 10);
			coverage.check(Kind.TRIMMED).percentage((percent) -> percent > 5);
		});
		Optional<KeyModel> recovered = (residual.kind() == Kind.SUPERSEDED) ? laterFirst
				: laterFirst.flatMap((afterLater) -> afterLater.apply(residual.write()));
		assertThat(recovered).as("%s, then residual %s", writes, describe(residual.write()))
			.isPresent()
			.isEqualTo(asked);
	}

	@Property(tries = 2_000)
	void laterUnconditionalSetOrDeleteSupersedesAnyEarlierWrite(@ForAll("writes") Write earlier,
			@ForAll("wholeKeyWrites") Write later) {
		assertThat(WriteConflicts.residual(earlier.write(), later.write())).isEqualTo(Residual.SUPERSEDED);
	}

	@Property(tries = 1_000)
	void laterHashSetOfTheSameAndMoreFieldsSupersedesAnEarlierOne(@ForAll("names") String field,
			@ForAll("names") String more, @ForAll("values") String earlierValue,
			@ForAll("values") String laterValue) {
		RedisWrite earlier = RedisWrite.hset(KEY, Map.of(field, earlierValue));
		RedisWrite later = RedisWrite.hset(KEY, fields(field, laterValue, more, laterValue));
		assertThat(WriteConflicts.residual(earlier, later)).isEqualTo(Residual.SUPERSEDED);
	}

	@Property(tries = 1_000)
	void laterSortedSetAddOfTheSameMemberSupersedesAnEarlierOne(@ForAll("names") String member,
			@ForAll("scores") double earlierScore, @ForAll("scores") double laterScore,
			@ForAll("earlierAddOptions") ZAddOptions earlierOptions) {
		RedisWrite earlier = RedisWrite.zadd(KEY, Map.of(member, earlierScore), earlierOptions);
		RedisWrite later = RedisWrite.zadd(KEY, Map.of(member, laterScore), ZAddOptions.none());
		assertThat(WriteConflicts.residual(earlier, later)).isEqualTo(Residual.SUPERSEDED);
	}

	@Property(tries = 1_000)
	void laterHashSetOfOtherFieldsLeavesAnEarlierOneIndependent(@ForAll("names") String field,
			@ForAll("names") String other, @ForAll("values") String earlierValue,
			@ForAll("values") String laterValue) {
		Assume.that(!field.equals(other));
		RedisWrite earlier = RedisWrite.hset(KEY, Map.of(field, earlierValue));
		RedisWrite later = RedisWrite.hset(KEY, Map.of(other, laterValue));
		assertThat(WriteConflicts.residual(earlier, later)).isEqualTo(Residual.independent(earlier));
	}

	@Property(tries = 1_000)
	void laterHashSetOfSomeFieldsTrimsThemFromAnEarlierOne(@ForAll("names") String field,
			@ForAll("names") String kept, @ForAll("values") String earlierValue, @ForAll("values") String keptValue,
			@ForAll("values") String laterValue) {
		Assume.that(!field.equals(kept));
		RedisWrite earlier = RedisWrite.hset(KEY, fields(field, earlierValue, kept, keptValue));
		RedisWrite later = RedisWrite.hset(KEY, Map.of(field, laterValue));
		assertThat(WriteConflicts.residual(earlier, later))
			.isEqualTo(new Residual(Kind.TRIMMED, RedisWrite.hset(KEY, Map.of(kept, keptValue))));
	}

	@Property(tries = 10_000)
	void residualIsWhatIsLeftOfTheEarlierWriteWithoutWhatTheLaterOneWrote(@ForAll("writes") Write earlier,
			@ForAll("writes") Write later) {
		Residual residual = WriteConflicts.residual(earlier.write(), later.write());
		if (residual.write() == null) {
			assertThat(residual.kind()).isIn(Kind.SUPERSEDED, Kind.CONFLICT);
			return;
		}
		RedisWrite left = residual.write();
		assertThat(residual.kind()).isIn(Kind.INDEPENDENT, Kind.TRIMMED);
		assertThat(left.getClass()).isEqualTo(earlier.write().getClass());
		assertThat(left.key()).isEqualTo(earlier.write().key());
		assertThat(options(left)).isEqualTo(options(earlier.write()));
		assertThat(entries(left)).allSatisfy((name, value) -> {
			assertThat(entries(earlier.write())).containsEntry(name, value);
			assertThat(RedisWriteArbitraries.names(later.write())).as("what %s overwrote", later).doesNotContain(name);
		});
		if (residual.kind() == Kind.INDEPENDENT) {
			assertThat(left).isEqualTo(earlier.write());
		}
		else {
			assertThat(entries(left)).isNotEmpty().hasSizeLessThan(entries(earlier.write()).size());
		}
	}

	@Property(tries = 5_000)
	void residualIsNeverAWriteOnAnotherKey(@ForAll("writesOnTwoKeys") Write earlier,
			@ForAll("writesOnTwoKeys") Write later) {
		Residual residual = WriteConflicts.residual(earlier.write(), later.write());
		if (!earlier.write().key().equals(later.write().key())) {
			assertThat(residual).isEqualTo(Residual.independent(earlier.write()));
		}
		if (residual.write() != null) {
			assertThat(residual.write().key()).isEqualTo(earlier.write().key());
		}
	}

	@Provide
	Arbitrary<KeyModel> states() {
		return RedisWriteArbitraries.states();
	}

	@Provide
	Arbitrary<Write> writes() {
		return RedisWriteArbitraries.writes(KEY);
	}

	/**
	 * Pairs of writes to one key, four in five of them of one family (hash or sorted set),
	 * where most residuals that are not a conflict are found.
	 */
	@Provide
	Arbitrary<WritePair> writePairs() {
		return Arbitraries.frequencyOf(Tuple.of(1, pairsOf(writes())),
				Tuple.of(2, pairsOf(RedisWriteArbitraries.hashWrites(KEY))),
				Tuple.of(2, pairsOf(RedisWriteArbitraries.sortedSetWrites(KEY))));
	}

	@Provide
	Arbitrary<Write> writesOnTwoKeys() {
		return Arbitraries.of(KEY, OTHER_KEY).flatMap(RedisWriteArbitraries::writes);
	}

	@Provide
	Arbitrary<Write> wholeKeyWrites() {
		Arbitrary<RedisWrite> set = Combinators.combine(values(), Arbitraries.of(true, false))
			.as((value, ttl) -> RedisWrite.set(KEY, value,
					RedisWriteArbitraries.setOptions(SetOptions.Condition.ALWAYS, ttl)));
		return Arbitraries.oneOf(set, Arbitraries.just(RedisWrite.delete(KEY))).map(Write::new);
	}

	@Provide
	Arbitrary<String> names() {
		return RedisWriteArbitraries.names();
	}

	@Provide
	Arbitrary<String> values() {
		return RedisWriteArbitraries.values();
	}

	@Provide
	Arbitrary<Double> scores() {
		return RedisWriteArbitraries.scores();
	}

	@Provide
	Arbitrary<ZAddOptions> earlierAddOptions() {
		return RedisWriteArbitraries.addOptions(true);
	}

	private static Arbitrary<WritePair> pairsOf(Arbitrary<Write> writes) {
		return Combinators.combine(writes, writes).as(WritePair::new);
	}

	private static Map<String, String> fields(String field, String value, String other, String otherValue) {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put(field, value);
		fields.put(other, otherValue);
		return fields;
	}

	/**
	 * The fields or members a write names with what it writes to them ({@code null} for a
	 * delete), empty for a whole-key write.
	 */
	private static Map<String, Object> entries(RedisWrite write) {
		Map<String, Object> entries = new LinkedHashMap<>();
		if (write instanceof RedisWrite.HashSet hashSet) {
			entries.putAll(hashSet.fields());
		}
		else if (write instanceof RedisWrite.SortedSetAdd add) {
			entries.putAll(add.members());
		}
		else {
			RedisWriteArbitraries.names(write).forEach((name) -> entries.put(name, null));
		}
		return entries;
	}

	private static Object options(RedisWrite write) {
		if (write instanceof RedisWrite.Set set) {
			return set.options();
		}
		if (write instanceof RedisWrite.SortedSetAdd add) {
			return add.options();
		}
		return "none";
	}

	/**
	 * An earlier and a later write, shown in the order they were asked for.
	 *
	 * @param earlier the write asked for first
	 * @param later the write asked for next, applied first
	 */
	record WritePair(Write earlier, Write later) {

		@Override
		public String toString() {
			return this.earlier + ", then " + this.later;
		}

	}

}
