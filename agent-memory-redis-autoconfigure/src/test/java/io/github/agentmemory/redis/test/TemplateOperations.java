package io.github.agentmemory.redis.test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.ScoredMember;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every operation of the template once, with its result checked: shared by the tests
 * that run the template on a Sentinel deployment and on a Cluster. Keys are spread on
 * purpose (no hash tags), so that on a Cluster they land in different slots.
 */
public final class TemplateOperations {

	private static final Duration PATIENCE = Duration.ofSeconds(30);

	private TemplateOperations() {
	}

	/**
	 * Run every operation under keys starting with the prefix.
	 * @param template the template
	 * @param prefix prefix of every key used
	 */
	public static void exerciseEveryOperation(AsyncResilientRedisTemplate template, String prefix) {
		assertThat(join(template.ping())).isEqualTo("PONG");
		assertThat(join(template.latency())).isPositive();

		// strings and keys
		assertThat(join(template.set(prefix + "string", "välue"))).isTrue();
		assertThat(join(template.get(prefix + "string"))).contains("välue");
		assertThat(join(template.get(prefix + "missing"))).isEmpty();
		assertThat(join(template.set(prefix + "nx", "first", SetOptions.builder().ifAbsent().build()))).isTrue();
		assertThat(join(template.set(prefix + "nx", "second", SetOptions.builder().ifAbsent().build()))).isFalse();
		for (int i = 0; i < 20; i++) {
			join(template.set(prefix + "multi:" + i, "v" + i));
		}
		String[] multi = new String[21];
		for (int i = 0; i < 20; i++) {
			multi[i] = prefix + "multi:" + i;
		}
		multi[20] = prefix + "multi:absent";
		assertThat(join(template.exists(multi))).as("EXISTS over keys of many slots").isEqualTo(20);
		assertThat(join(template.delete(multi))).as("DEL over keys of many slots").isEqualTo(20);
		assertThat(join(template.exists(multi))).isZero();
		join(template.set(prefix + "ttl", "v"));
		assertThat(join(template.expire(prefix + "ttl", Duration.ofMillis(100)))).isTrue();
		await().atMost(PATIENCE).until(() -> join(template.exists(prefix + "ttl")) == 0);
		join(template.set(prefix + "px", "v", SetOptions.ttl(Duration.ofMillis(100))));
		await().atMost(PATIENCE).until(() -> join(template.get(prefix + "px")).isEmpty());

		// hashes
		assertThat(join(template.hset(prefix + "hash", "name", "John"))).isTrue();
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("age", "30");
		fields.put("email", "john@example.com");
		assertThat(join(template.hsetAll(prefix + "hash", fields))).isEqualTo(2);
		assertThat(join(template.hget(prefix + "hash", "name"))).contains("John");
		assertThat(join(template.hdel(prefix + "hash", "age"))).isEqualTo(1);
		assertThat(join(template.hgetAll(prefix + "hash"))).containsOnly(Map.entry("name", "John"),
				Map.entry("email", "john@example.com"));

		// sorted sets
		Map<String, Double> members = new LinkedHashMap<>();
		for (int i = 1; i <= 5; i++) {
			members.put("m" + i, (double) i);
		}
		assertThat(join(template.zadd(prefix + "zset", members))).isEqualTo(5);
		assertThat(join(template.zadd(prefix + "zset", Map.of("m1", 9.0), ZAddOptions.builder().onlyNew().build())))
			.isZero();
		assertThat(join(template.zaddIncr(prefix + "zset", "m5", 1.0, ZAddOptions.none()))).contains(6.0);
		assertThat(join(template.zrange(prefix + "zset", 0, 1))).containsExactly("m1", "m2");
		assertThat(join(template.zrevrange(prefix + "zset", 0, 0))).containsExactly("m5");
		assertThat(join(template.zrangeWithScores(prefix + "zset", 0, 0))).containsExactly(new ScoredMember("m1", 1));
		assertThat(join(template.zrevrangeWithScores(prefix + "zset", 0, 0)))
			.containsExactly(new ScoredMember("m5", 6));
		assertThat(join(template.zrangeByScore(prefix + "zset", 2, 3))).containsExactly("m2", "m3");
		assertThat(join(template.zrangeByScore(prefix + "zset", 1, 6, 1, 2))).containsExactly("m2", "m3");
		assertThat(join(template.zrangeByScoreWithScores(prefix + "zset", 6, 6)))
			.containsExactly(new ScoredMember("m5", 6));
		assertThat(join(template.zrangeByScoreWithScores(prefix + "zset", 1, 6, 4, 1)))
			.containsExactly(new ScoredMember("m5", 6));
		assertThat(join(template.zrem(prefix + "zset", "m1", "absent"))).isEqualTo(1);
		assertThat(join(template.zcard(prefix + "zset"))).isEqualTo(4);

		// writes with a priority and stores
		assertThat(join(template.write(RedisWrite.set(prefix + "critical", "c"), Priority.CRITICAL)).status())
			.isEqualTo(Status.APPLIED);
		assertThat(join(template.write(RedisWrite.hset(prefix + "high", Map.of("f", "h")), Priority.HIGH)).status())
			.isEqualTo(Status.APPLIED);
		assertThat(join(template.storeAgentState(prefix + "agent", Map.of("position", "10,20"), Priority.NORMAL))
			.status()).isEqualTo(Status.APPLIED);
		assertThat(join(template.storeWithRetry(prefix + "agent2", Map.of("health", "100"),
				StoreFunction.hash(prefix + "state:{id}"), Priority.LOW)).status())
			.isEqualTo(Status.APPLIED);
		assertThat(join(template.hgetAll("agent:" + prefix + "agent:state"))).containsEntry("position", "10,20");
		assertThat(join(template.hgetAll(prefix + "state:" + prefix + "agent2"))).containsEntry("health", "100");

		// the escape hatch, routed like any keyed command
		byte[] counter = (prefix + "counter").getBytes(java.nio.charset.StandardCharsets.UTF_8);
		assertThat(join(template.<Long>execute("INCR", false, (commands) -> commands.incr(counter)))).isEqualTo(1);

		// scan
		List<String> scanned = template.scan(prefix + "*", 5).collectList().block(PATIENCE);
		assertThat(scanned).doesNotHaveDuplicates()
			.containsExactlyInAnyOrder(prefix + "string", prefix + "nx", prefix + "hash", prefix + "zset",
					prefix + "critical", prefix + "high", prefix + "state:" + prefix + "agent2", prefix + "counter");
	}

	/**
	 * {@code INFO replication} of the node the template sends an unkeyed command to.
	 * @param template the template
	 * @return the reply, with {@code role:master} or {@code role:slave}
	 */
	public static String role(AsyncResilientRedisTemplate template) {
		return join(template.<String>execute("INFO", true,
				(RedisClusterAsyncCommands<byte[], byte[]> commands) -> commands.info("replication")));
	}

	/**
	 * The port of the node the template sends an unkeyed command to (on Cluster, the
	 * connection's default endpoint).
	 * @param template the template
	 * @return the port from {@code INFO server}
	 */
	public static int port(AsyncResilientRedisTemplate template) {
		String info = join(template.<String>execute("INFO", true,
				(RedisClusterAsyncCommands<byte[], byte[]> commands) -> commands.info("server")));
		return info.lines()
			.filter((line) -> line.startsWith("tcp_port:"))
			.map((line) -> Integer.parseInt(line.substring("tcp_port:".length()).trim()))
			.findFirst()
			.orElseThrow();
	}

	private static <T> T join(CompletableFuture<T> future) {
		return future.join();
	}

}
