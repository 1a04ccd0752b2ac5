package io.github.agentmemory.redis.recovery.journal;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Properties of {@link JournalCodec}: every write, with every option combination and any
 * Java string, comes back unchanged; any damage to a record is detected.
 */
class JournalCodecTests {

	@Property(tries = 2000)
	void everyEntryDecodesToItself(@ForAll("entries") JournalEntry entry) {
		byte[] encoded = JournalCodec.encode(entry);
		JournalEntry decoded = JournalCodec.decode(encoded);
		assertThat(decoded).isEqualTo(entry);
		assertThat(decoded.write().idempotent()).isEqualTo(entry.write().idempotent());
	}

	@Property(tries = 1000)
	void aChangedByteIsDetected(@ForAll("entries") JournalEntry entry, @ForAll @IntRange(min = 0, max = 10_000) int at,
			@ForAll @IntRange(min = 1, max = 255) int flip) {
		byte[] encoded = JournalCodec.encode(entry);
		encoded[at % encoded.length] ^= (byte) flip;
		assertThatExceptionOfType(JournalCodec.CorruptRecordException.class)
			.isThrownBy(() -> JournalCodec.decode(encoded));
	}

	@Property(tries = 1000)
	void aTruncatedRecordIsDetected(@ForAll("entries") JournalEntry entry,
			@ForAll @IntRange(min = 0, max = 10_000) int length) {
		byte[] encoded = JournalCodec.encode(entry);
		byte[] truncated = Arrays.copyOf(encoded, length % encoded.length);
		assertThatExceptionOfType(JournalCodec.CorruptRecordException.class)
			.isThrownBy(() -> JournalCodec.decode(truncated));
	}

	@Property(tries = 1000)
	void randomBytesAreNeverAnEntry(@ForAll byte[] garbage) {
		assertThatExceptionOfType(JournalCodec.CorruptRecordException.class)
			.isThrownBy(() -> JournalCodec.decode(garbage));
	}

	@Provide
	Arbitrary<JournalEntry> entries() {
		return Combinators
			.combine(Arbitraries.longs(), Arbitraries.of(Priority.class), writes(), Arbitraries.longs())
			.as(JournalEntry::new);
	}

	private Arbitrary<RedisWrite> writes() {
		return Arbitraries.oneOf(sets(), texts().map(RedisWrite::delete),
				Combinators.combine(texts(), durations()).as(RedisWrite::expire),
				Combinators.combine(texts(), Arbitraries.maps(texts(), values()).ofMinSize(1).ofMaxSize(5))
					.as(RedisWrite::hset),
				Combinators.combine(texts(), textList()).as(RedisWrite::hdel), sortedSetAdds(),
				Combinators.combine(texts(), textList()).as(RedisWrite::zrem));
	}

	private Arbitrary<RedisWrite> sets() {
		Arbitrary<SetOptions> options = Combinators
			.combine(Arbitraries.of(SetOptions.Condition.class), durations().injectNull(0.3))
			.as((condition, ttl) -> {
				SetOptions.Builder builder = SetOptions.builder();
				if (condition == SetOptions.Condition.IF_ABSENT) {
					builder.ifAbsent();
				}
				else if (condition == SetOptions.Condition.IF_PRESENT) {
					builder.ifPresent();
				}
				if (ttl != null) {
					builder.ttl(ttl);
				}
				return builder.build();
			});
		return Combinators.combine(texts(), values(), options).as(RedisWrite::set);
	}

	private Arbitrary<RedisWrite> sortedSetAdds() {
		Arbitrary<Double> scores = Arbitraries.doubles()
			.withSpecialValue(-0.0)
			.withSpecialValue(Double.MAX_VALUE)
			.withSpecialValue(-Double.MIN_VALUE);
		Arbitrary<Integer> flags = Arbitraries.integers().between(0, 15).filter((f) -> (f & 3) != 3);
		return Combinators
			.combine(texts(), Arbitraries.maps(texts(), scores).ofMinSize(1).ofMaxSize(5), flags)
			.as((key, members, f) -> {
				ZAddOptions.Builder options = ZAddOptions.builder();
				if ((f & 1) != 0) {
					options.onlyNew();
				}
				if ((f & 2) != 0) {
					options.onlyExisting();
				}
				if ((f & 4) != 0) {
					options.countChanged();
				}
				if ((f & 8) != 0) {
					options.increment();
					Map.Entry<String, Double> first = members.entrySet().iterator().next();
					members = Map.of(first.getKey(), first.getValue());
				}
				return RedisWrite.zadd(key, members, options.build());
			});
	}

	private Arbitrary<Duration> durations() {
		return Arbitraries.oneOf(Arbitraries.longs().between(1, 1_000_000_000L).map(Duration::ofMillis),
				Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE / 1000 - 1),
						Arbitraries.integers().between(0, 999_999_999))
					.as((seconds, nanos) -> Duration.ofSeconds(seconds, nanos))
					.filter((d) -> d.toMillis() > 0));
	}

	private Arbitrary<List<String>> textList() {
		return texts().list().ofMinSize(1).ofMaxSize(5);
	}

	/** Any non-empty Java string: unpaired surrogates and NUL included. */
	private Arbitrary<String> texts() {
		return Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40);
	}

	private Arbitrary<String> values() {
		return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(200),
				Arbitraries.strings().withCharRange('\uD800', '\uDFFF').ofMaxLength(8));
	}

}
