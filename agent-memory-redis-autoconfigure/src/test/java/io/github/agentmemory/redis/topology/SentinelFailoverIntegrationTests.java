package io.github.agentmemory.redis.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.test.BreakerErrors;
import io.github.agentmemory.redis.test.OrderedWrites;
import io.github.agentmemory.redis.test.RedisSentinelExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.agentmemory.redis.test.TemplateOperations;
import io.github.agentmemory.redis.test.WriteLoad;
import io.github.agentmemory.redis.topology.FailoverUnderLoad.Begun;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.dao.TransientDataAccessResourceException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The template on a Sentinel deployment of real processes (a master, a replica, three
 * sentinels), configured only through {@code spring.data.redis.sentinel.*}: every
 * operation, and a failover after the master is killed under a write load.
 */
class SentinelFailoverIntegrationTests {

	private static final Log logger = LogFactory.getLog(SentinelFailoverIntegrationTests.class);

	private static final Duration PATIENCE = Duration.ofSeconds(60);

	@RegisterExtension
	static final RedisSentinelExtension sentinel = new RedisSentinelExtension();

	private ApplicationContextRunner runner() {
		return TemplateContexts.failoverRunner(sentinel.springProperties());
	}

	@Test
	void everyOperationWorksOnTheMasterTheSentinelsName() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			TemplateOperations.exerciseEveryOperation(template, "op:");
			assertThat(TemplateOperations.role(template)).contains("role:master");
			assertThat(valueOn(sentinel.masterPort(), "op:string")).isEqualTo("välue");
		});
	}

	@Test
	void masterKilledUnderWriteLoadFailsOverWithoutLosingAnAcknowledgedWrite() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			BreakerErrors errors = BreakerErrors.record(context);
			FailoverUnderLoad failover = FailoverUnderLoad.run(template, PATIENCE, () -> {
				int killed = sentinel.killMaster();
				return new Begun(killed, () -> sentinel.awaitFailoverFrom(killed));
			});
			WriteLoad load = failover.load();
			int oldMaster = failover.from();
			int newMaster = failover.to();
			Map<String, String> acknowledged = load.acknowledged();
			List<String> lost = lost(newMaster, acknowledged);
			logger.info(String.format(
					"Sentinel failover %d -> %d: %d writes issued, %d acknowledged, %d lost; %s; %s; breaker failures %s",
					oldMaster, newMaster, load.issuedCount(), acknowledged.size(), lost.size(), load.statuses(),
					load.failures(), errors));
			assertThat(lost).as("acknowledged writes missing on the new master").isEmpty();
			assertThat(load.statuses().get(Priority.HIGH.name())).containsOnlyKeys(Status.APPLIED);
			assertThat(load.statuses().get(Priority.NORMAL.name())).containsOnlyKeys(Status.APPLIED);
			// the same template, without a restart, now writes to the new master
			await().atMost(PATIENCE)
				.until(() -> context.getBean(CircuitBreaker.class).getState() == CircuitBreaker.State.CLOSED);
			assertThat(template.set("after-failover", "yes").join()).isTrue();
			assertThat(valueOn(newMaster, "after-failover")).isEqualTo("yes");
			assertThat(TemplateOperations.role(template)).contains("role:master");
		});
	}

	@Test
	void recoveryQueueKeepsPerKeyOrderAcrossAFailover() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			BreakerErrors errors = BreakerErrors.record(context);
			OrderedWrites writes = new OrderedWrites(template, "ordered:", 10);
			int oldMaster = sentinel.killMaster();
			for (int round = 0; round < 20; round++) {
				writes.issueRound();
			}
			await().atMost(PATIENCE).until(() -> !writes.answers().isEmpty());
			assertThat(writes.answers()).as("writes issued while the master is gone")
				.containsExactly(Map.entry(Status.QUEUED, 200));
			sentinel.awaitFailoverFrom(oldMaster);
			for (int round = 0; round < 20; round++) {
				writes.issueRound();
			}
			await().atMost(PATIENCE).until(writes::isSettled);
			int newMaster = sentinel.masterPort();
			writes.assertOrdered((key) -> valueOn(newMaster, key));
			logger.info("Sentinel, per-key order across a failover: " + writes.summary() + "; "
					+ template.recoveryStats() + "; breaker failures " + errors);
		});
	}

	@Test
	void writeAnsweredReadOnlyByAReplicaIsQueuedNotDropped() {
		TemplateContexts
			.failoverRunner("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + sentinel.replicaPort())
			.withPropertyValues("agent-memory.redis.recovery.shutdown-timeout=200ms")
			.run((context) -> {
				WriteOutcome outcome = template(context).write(RedisWrite.set("k", "v"), Priority.HIGH).join();
				assertThat(outcome.status()).isEqualTo(Status.QUEUED);
				assertThat(outcome.cause()).isInstanceOf(TransientDataAccessResourceException.class)
					.hasMessageContaining("READONLY");
			});
	}

	private static List<String> lost(int master, Map<String, String> acknowledged) {
		List<String> keys = new ArrayList<>(acknowledged.keySet());
		List<String> lost = new ArrayList<>();
		for (int from = 0; from < keys.size(); from += 500) {
			List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 500));
			var values = sentinel.processes()
				.onServer(master, (commands) -> commands.mget(chunk.toArray(String[]::new)));
			for (var value : values) {
				if (!value.hasValue() || !value.getValue().equals(acknowledged.get(value.getKey()))) {
					lost.add(value.getKey());
				}
			}
		}
		return lost;
	}

	private static String valueOn(int port, String key) {
		return sentinel.processes().onServer(port, (commands) -> commands.get(key));
	}

	private static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

}
