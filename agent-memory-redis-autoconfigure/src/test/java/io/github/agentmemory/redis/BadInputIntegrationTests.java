package io.github.agentmemory.redis;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.agentmemory.redis.command.Arguments;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.dao.DataAccessException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Caller mistakes get a clear exception at once: nothing is sent or half-written, the
 * circuit breaker does not count them and the recovery queue never sees them.
 */
class BadInputIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	@Test
	void badArgumentsFailAtOnceWithoutReachingRedis() {
		TemplateContexts.runner(redis).run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			Map<String, String> nullValue = new HashMap<>();
			nullValue.put("ok", "1");
			nullValue.put("bad", null);
			Map<String, Double> nanScore = new HashMap<>();
			nanScore.put("a", 1.0);
			nanScore.put("b", Double.NaN);
			rejects(() -> template.get(null), "'key' must not be null");
			rejects(() -> template.get(""), "'key' must not be empty");
			rejects(() -> template.set("k", null), "'value' must not be null");
			rejects(() -> template.set(null, "v"), "'key' must not be null");
			rejects(() -> template.set("k", "v", SetOptions.builder().ttl(Duration.ZERO).build()),
					"'ttl' must be at least 1ms");
			rejects(() -> template.set("k", "v", SetOptions.ttl(Duration.ofSeconds(-1))), "'ttl' must be at least 1ms");
			rejects(() -> template.expire("k", Duration.ofMillis(-5)), "'ttl' must be at least 1ms");
			rejects(() -> template.expire("k", null), "'ttl' must not be null");
			rejects(() -> SetOptions.builder().ttl(ChronoUnit.FOREVER.getDuration()),
					"'ttl' must fit in a long of milliseconds");
			rejects(() -> SetOptions.ttl(Duration.ofSeconds(Long.MAX_VALUE / 1000 + 1)),
					"'ttl' must fit in a long of milliseconds");
			rejects(() -> template.expire("k", ChronoUnit.FOREVER.getDuration()),
					"'ttl' must fit in a long of milliseconds");
			rejects(() -> template.write(RedisWrite.expire("k", ChronoUnit.FOREVER.getDuration()), Priority.HIGH),
					"'ttl' must fit in a long of milliseconds");
			rejects(() -> SetOptions.builder().ifAbsent().ifPresent().build(), "exclude each other");
			rejects(() -> template.delete(), "'keys' must not be empty");
			rejects(() -> template.delete("a", ""), "'key' must not be empty");
			rejects(() -> template.exists((String[]) null), "'keys' must not be null");
			rejects(() -> template.hset("h", "", "v"), "'field' must not be empty");
			rejects(() -> template.hset("h", null, "v"), "'field' must not be null");
			rejects(() -> template.hget("h", null), "'field' must not be null");
			rejects(() -> template.hsetAll("h", Collections.emptyMap()), "'fields' must not be empty");
			rejects(() -> template.hsetAll("h", null), "'fields' must not be null");
			rejects(() -> template.hsetAll("h", nullValue), "value of field 'bad' must not be null");
			rejects(() -> template.hdel("h"), "'fields' must not be empty");
			rejects(() -> template.zadd("z", Collections.emptyMap()), "'members' must not be empty");
			rejects(() -> template.zadd("z", nanScore), "score of member 'b' must be a finite number, was NaN");
			rejects(() -> template.zadd("z", Map.of("a", Double.POSITIVE_INFINITY)), "must be a finite number");
			rejects(() -> template.zadd("z", Map.of("a", 1.0), ZAddOptions.builder().increment().build()),
					"use zaddIncr");
			rejects(() -> template.zaddIncr("z", "a", Double.NaN, ZAddOptions.none()), "'increment' must be a finite");
			rejects(() -> template.zrangeByScore("z", Double.NaN, 1), "'min' must not be NaN");
			rejects(() -> template.zrangeByScore("z", 0, 1, -1, 10), "'offset' must not be negative");
			rejects(() -> template.zrangeByScore("z", 0, 1, 0, 0), "'count' must be at least 1");
			rejects(() -> template.zrem("z"), "'members' must not be empty");
			rejects(() -> template.scan(null, 10), "'match' must not be null");
			rejects(() -> template.scan("*", 0), "'count' must be at least 1");
			rejects(() -> template.write(null, Priority.HIGH), "'write' must not be null");
			rejects(() -> template.write(RedisWrite.set("k", "v"), null), "'priority' must not be null");
			rejects(() -> template.storeAgentState("", Map.of("a", "b"), Priority.NORMAL), "'agentId' must not be empty");
			rejects(() -> template.storeAgentState("7", Map.of(), Priority.NORMAL), "'fields' must not be empty");
			rejects(() -> template.storeWithRetry("7", Map.of("a", "b"), (id, state) -> List.of(), Priority.HIGH),
					"returned no write");
			rejects(() -> template.execute("", true, (commands) -> commands.ping()), "'command' must not be empty");
			rejects(() -> RedisWrite.zadd("z", Map.of("a", 1.0, "b", 2.0), ZAddOptions.builder().increment().build()),
					"ZADD INCR takes exactly one member");
			rejects(() -> ZAddOptions.builder().onlyNew().onlyExisting().build(), "exclude each other");
			rejects(() -> StoreFunction.hash("agent:state"), "must contain {id}");

			assertThat(redis.admin().dbsize()).as("nothing written").isZero();
			assertThat(commandCalls()).as("nothing sent").isZero();
			CircuitBreaker.Metrics breaker = context.getBean(CircuitBreaker.class).getMetrics();
			assertThat(breaker.getNumberOfBufferedCalls()).as("calls the breaker saw").isZero();
			assertThat(template.recoveryStats().totalSize()).isZero();
			assertThat(template.recoveryStats().enqueued().values()).allMatch((count) -> count == 0);
		});
	}

	@Test
	void emptyScanPatternIsSentAndMatchesOnlyTheEmptyKey() {
		TemplateContexts.runner(redis).run((context) -> {
			redis.admin().set("", "empty key");
			redis.admin().set("a", "1");
			assertThat(template(context).scan("", 10).collectList().block(Duration.ofSeconds(5))).containsExactly("");
		});
	}

	@Test
	void longestTtlThatFitsIsSentAndNeverExpiresTheKey() {
		TemplateContexts.runner(redis).run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			redis.admin().set("k", "v");
			// Redis refuses a ttl that overflows its clock ("invalid expire time") rather than
			// expiring the key at once; either way the key must survive
			template.expire("k", Arguments.MAX_MILLIS_DURATION).handle((set, error) -> null).join();
			assertThat(redis.admin().get("k")).isEqualTo("v");
		});
	}

	@Test
	void hashWithOneBadFieldIsNotHalfWritten() {
		TemplateContexts.runner(redis).run((context) -> {
			Map<String, String> fields = new java.util.LinkedHashMap<>();
			fields.put("first", "1");
			fields.put("", "2");
			assertThatIllegalArgumentException().isThrownBy(() -> template(context).hsetAll("h", fields));
			assertThat(redis.admin().exists("h")).isZero();
		});
	}

	@Test
	void wrongTypeIsReportedNotRetriedNotQueuedAndDoesNotTripTheBreaker() {
		TemplateContexts.runner(redis).run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			redis.admin().set("string", "v");
			assertThatThrownBy(() -> template.hset("string", "f", "v").join()).cause()
				.isInstanceOf(InvalidDataAccessApiUsageException.class)
				.hasMessageContaining("WRONGTYPE");
			for (Priority priority : Priority.values()) {
				WriteOutcome outcome = template.write(RedisWrite.hset("string", Map.of("f", "v")), priority).join();
				assertThat(outcome.status()).as(priority.name()).isEqualTo(WriteOutcome.Status.FAILED);
				assertThat(outcome.cause()).isInstanceOf(InvalidDataAccessApiUsageException.class);
			}
			assertThat(template.recoveryStats().totalSize()).isZero();
			assertThat(template.recoveryStats().retries()).isZero();
			assertThat(context.getBean(CircuitBreaker.class).getMetrics().getNumberOfFailedCalls()).isZero();
			assertThat(context.getBean(CircuitBreaker.class).getState()).isEqualTo(CircuitBreaker.State.CLOSED);
			assertThat(redis.admin().get("string")).isEqualTo("v");
		});
	}

	@Test
	void valueBeyondTheServersBulkLimitFailsAndIsNotWritten() {
		TemplateContexts.runner(redis).run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			redis.admin().configSet("proto-max-bulk-len", Integer.toString(1024 * 1024));
			try {
				String big = "x".repeat(2 * 1024 * 1024);
				// Redis answers "invalid bulk length" and closes the connection: depending on
				// whether the reply or the reset reaches Lettuce first, the error is permanent
				// or transient (then retried, failing again); either way the caller is told
				assertThatThrownBy(() -> template.set("big", big).join()).cause()
					.isInstanceOf(DataAccessException.class);
				assertThat(template.recoveryStats().totalSize()).as("not queued").isZero();
				org.awaitility.Awaitility.await()
					.atMost(Duration.ofSeconds(10))
					.ignoreExceptions()
					.until(() -> template.set("small", "ok").join());
				assertThat(redis.admin().exists("big")).isZero();
			}
			finally {
				redis.admin().configSet("proto-max-bulk-len", Integer.toString(512 * 1024 * 1024));
			}
		});
	}

	private static void rejects(ThrowingCallable call, String message) {
		assertThatIllegalArgumentException().isThrownBy(call).withMessageContaining(message);
	}

	private static long commandCalls() {
		return redis.admin()
			.info("commandstats")
			.lines()
			.filter((line) -> line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info")
					&& !line.startsWith("cmdstat_flushall") && !line.startsWith("cmdstat_config")
					&& !line.startsWith("cmdstat_dbsize") && !line.startsWith("cmdstat_hello"))
			.count();
	}

	private static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

}
