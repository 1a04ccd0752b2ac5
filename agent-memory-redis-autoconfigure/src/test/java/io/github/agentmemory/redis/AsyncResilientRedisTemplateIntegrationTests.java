package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.ScoredMember;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ContextConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every command of the template against a real Redis.
 */
class AsyncResilientRedisTemplateIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private void run(ContextConsumer<AssertableApplicationContext> test) {
		TemplateContexts.runner(redis).run(test);
	}

	private static <T> T result(CompletableFuture<T> future) {
		return future.join();
	}

	@Test
	void pingAnswersPong() {
		run((context) -> assertThat(result(template(context).ping())).isEqualTo("PONG"));
	}

	@Test
	void setThenGetReturnsTheValueAndMissingKeysAreEmpty() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			assertThat(result(template.set("k", "välue"))).isTrue();
			assertThat(result(template.get("k"))).contains("välue");
			assertThat(result(template.get("missing"))).isEmpty();
			assertThat(result(template.set("empty", ""))).isTrue();
			assertThat(result(template.get("empty"))).contains("");
		});
	}

	@Test
	void setWithTtlExpires() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			result(template.set("ttl", "v", SetOptions.ttl(Duration.ofSeconds(2))));
			assertThat(redis.admin().pttl("ttl")).isBetween(1L, 2_000L);
			await().atMost(Duration.ofSeconds(10)).until(() -> result(template.get("ttl")).isEmpty());
		});
	}

	@Test
	void setIfAbsentAndIfPresentFollowTheCondition() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			assertThat(result(template.set("k", "first", SetOptions.builder().ifPresent().build()))).isFalse();
			assertThat(result(template.get("k"))).isEmpty();
			assertThat(result(template.set("k", "first", SetOptions.builder().ifAbsent().build()))).isTrue();
			assertThat(result(template.set("k", "second", SetOptions.builder().ifAbsent().build()))).isFalse();
			assertThat(result(template.get("k"))).contains("first");
			assertThat(result(template.set("k", "third", SetOptions.builder().ifPresent().build()))).isTrue();
			assertThat(result(template.get("k"))).contains("third");
		});
	}

	@Test
	void deleteExistsAndExpire() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			result(template.set("a", "1"));
			result(template.set("b", "2"));
			assertThat(result(template.exists("a", "b", "c"))).isEqualTo(2);
			assertThat(result(template.delete("a", "c"))).isEqualTo(1);
			assertThat(result(template.delete("b"))).isEqualTo(1);
			assertThat(result(template.exists("a", "b"))).isZero();
			assertThat(result(template.expire("nothing", Duration.ofSeconds(10)))).isFalse();
			result(template.set("e", "1"));
			assertThat(result(template.expire("e", Duration.ofMillis(150)))).isTrue();
			await().atMost(Duration.ofSeconds(5)).until(() -> result(template.exists("e")) == 0);
		});
	}

	@Test
	void hashOperations() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			assertThat(result(template.hset("user:1", "name", "John"))).isTrue();
			assertThat(result(template.hset("user:1", "name", "Jane"))).isFalse();
			Map<String, String> more = new LinkedHashMap<>();
			more.put("age", "30");
			more.put("email", "jane@example.com");
			assertThat(result(template.hsetAll("user:1", more))).isEqualTo(2);
			assertThat(result(template.hget("user:1", "name"))).contains("Jane");
			assertThat(result(template.hget("user:1", "missing"))).isEmpty();
			assertThat(result(template.hgetAll("user:1"))).containsOnly(Map.entry("name", "Jane"),
					Map.entry("age", "30"), Map.entry("email", "jane@example.com"));
			assertThat(result(template.hdel("user:1", "age", "missing"))).isEqualTo(1);
			assertThat(result(template.hgetAll("user:1"))).containsOnlyKeys("name", "email");
			assertThat(result(template.hgetAll("nobody"))).isEmpty();
		});
	}

	@Test
	void sortedSetAddWithFlags() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			assertThat(result(template.zadd("z", Map.of("a", 1.0, "b", 2.0)))).isEqualTo(2);
			assertThat(result(template.zadd("z", Map.of("a", 5.0, "c", 3.0), ZAddOptions.builder().onlyNew().build())))
				.isEqualTo(1);
			assertThat(result(template.zrangeWithScores("z", 0, -1))).containsExactly(new ScoredMember("a", 1.0),
					new ScoredMember("b", 2.0), new ScoredMember("c", 3.0));
			assertThat(result(template.zadd("z", Map.of("a", 5.0, "d", 4.0),
					ZAddOptions.builder().onlyExisting().countChanged().build())))
				.isEqualTo(1);
			assertThat(result(template.zcard("z"))).isEqualTo(3);
			assertThat(result(template.zaddIncr("z", "b", 10.0, ZAddOptions.none()))).contains(12.0);
			assertThat(result(template.zaddIncr("z", "x", 1.0, ZAddOptions.builder().onlyExisting().build())))
				.isEmpty();
			assertThat(result(template.zrange("z", 0, -1))).containsExactly("c", "a", "b");
		});
	}

	@Test
	void sortedSetRangesByRankAndScore() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			Map<String, Double> members = new LinkedHashMap<>();
			for (int i = 1; i <= 10; i++) {
				members.put("m" + i, (double) i);
			}
			result(template.zadd("z", members));
			assertThat(result(template.zrange("z", 0, 2))).containsExactly("m1", "m2", "m3");
			assertThat(result(template.zrevrange("z", 0, 2))).containsExactly("m10", "m9", "m8");
			assertThat(result(template.zrevrangeWithScores("z", 0, 0))).containsExactly(new ScoredMember("m10", 10));
			assertThat(result(template.zrangeByScore("z", 3, 5))).containsExactly("m3", "m4", "m5");
			assertThat(result(template.zrangeByScore("z", 2, 9, 2, 3))).containsExactly("m4", "m5", "m6");
			assertThat(result(template.zrangeByScoreWithScores("z", 9.5, Double.POSITIVE_INFINITY)))
				.containsExactly(new ScoredMember("m10", 10));
			assertThat(result(template.zrangeByScoreWithScores("z", Double.NEGATIVE_INFINITY, 10, 8, 5)))
				.containsExactly(new ScoredMember("m9", 9), new ScoredMember("m10", 10));
			assertThat(result(template.zrem("z", "m1", "m2", "nope"))).isEqualTo(2);
			assertThat(result(template.zcard("z"))).isEqualTo(8);
			assertThat(result(template.zrange("none", 0, -1))).isEmpty();
			assertThat(result(template.zcard("none"))).isZero();
		});
	}

	@Test
	void scanStreamsEveryMatchingKeyOnceAcrossManyPages() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			for (int i = 0; i < 500; i++) {
				redis.admin().set("agent:" + i, "v");
			}
			redis.admin().set("other", "v");
			List<String> keys = template.scan("agent:*", 10).collectList().block(Duration.ofSeconds(30));
			assertThat(keys).hasSize(500).doesNotHaveDuplicates().allMatch((key) -> key.startsWith("agent:"));
			long scanCalls = redis.commandCalls("scan");
			assertThat(scanCalls).as("SCAN pages").isGreaterThan(10);
			assertThat(template.scan("nothing:*", 100).collectList().block(Duration.ofSeconds(10))).isEmpty();
		});
	}

	@Test
	void scanFetchesPagesOnlyOnDemand() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			for (int i = 0; i < 500; i++) {
				redis.admin().set("agent:" + i, "v");
			}
			Set<String> firstFew = new HashSet<>(template.scan("agent:*", 10).take(5).collectList().block());
			assertThat(firstFew).hasSize(5);
			assertThat(redis.commandCalls("scan")).as("SCAN pages for 5 keys").isLessThan(10);
		});
	}

	@Test
	void latencyIsMeasured() {
		run((context) -> {
			Duration latency = result(template(context).latency());
			assertThat(latency).isPositive().isLessThan(Duration.ofSeconds(5));
		});
	}

	@Test
	void executeRunsAnyOtherCommand() {
		run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			Long value = result(template.execute("INCR", false, (commands) -> commands.incr("counter".getBytes())));
			assertThat(value).isEqualTo(1);
			assertThat(redis.admin().get("counter")).isEqualTo("1");
		});
	}

	@Test
	void blockingTemplateSharesTheAsyncPath() {
		run((context) -> {
			ResilientRedisTemplate template = context.getBean(ResilientRedisTemplate.class);
			assertThat(template.async()).isSameAs(template(context));
			template.set("k", "v");
			assertThat(template.get("k")).isEqualTo(Optional.of("v"));
			template.hsetAll("h", Map.of("f", "v"));
			assertThat(template.hgetAll("h")).containsEntry("f", "v");
			assertThat(template.zadd("z", Map.of("a", 1.0))).isEqualTo(1);
			assertThat(template.zrangeByScore("z", 0, 2)).containsExactly("a");
			assertThat(template.storeAgentState("7", Map.of("health", "100"), Priority.NORMAL).isApplied()).isTrue();
			assertThat(template.write(RedisWrite.set("w", "v"), Priority.LOW).status())
				.isEqualTo(WriteOutcome.Status.APPLIED);
			try (var keys = template.scan("*", 10)) {
				assertThat(keys).containsExactlyInAnyOrder("k", "h", "z", "agent:7:state", "w");
			}
		});
	}


	static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

}
