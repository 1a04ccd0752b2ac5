package io.github.agentmemory.redis.topology;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.test.BreakerErrors;
import io.github.agentmemory.redis.test.OrderedWrites;
import io.github.agentmemory.redis.test.RedisClusterExtension;
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
 * The template on a Redis Cluster of real processes (three masters, each with a
 * replica), configured only through {@code spring.data.redis.cluster.*}: every operation
 * routed by slot, and a master killed under a write load failing over to its replica.
 */
class ClusterFailoverIntegrationTests {

	private static final Log logger = LogFactory.getLog(ClusterFailoverIntegrationTests.class);

	private static final Duration PATIENCE = Duration.ofSeconds(60);

	@RegisterExtension
	static final RedisClusterExtension cluster = new RedisClusterExtension();

	private ApplicationContextRunner runner() {
		return TemplateContexts.failoverRunner(cluster.springProperties());
	}

	@Test
	void everyOperationWorksWithCommandsRoutedBySlot() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			TemplateOperations.exerciseEveryOperation(template, "op:");
			for (int i = 0; i < 300; i++) {
				template.set("spread:" + i, "v").join();
			}
			assertThat(cluster.keyCounts("spread:*")).as("keys per master").hasSize(3).allSatisfy((master, count) -> assertThat(count).isPositive());
			assertThat(template.scan("spread:*", 20).collectList().block(PATIENCE)).hasSize(300)
				.doesNotHaveDuplicates();
			assertThat(cluster.entries("op:string")).containsExactly(Map.entry("op:string", "välue"));
		});
	}

	@Test
	void masterKilledUnderWriteLoadFailsOverToItsReplicaWithoutLosingAnAcknowledgedWrite() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			BreakerErrors errors = BreakerErrors.record(context);
			int killed = cluster.masterPorts().get(0);
			FailoverUnderLoad failover = FailoverUnderLoad.run(template, PATIENCE, () -> {
				List<Integer> mastersBefore = cluster.killMaster(killed);
				return new Begun(killed, () -> cluster.awaitFailover(mastersBefore));
			});
			WriteLoad load = failover.load();
			Map<String, String> acknowledged = load.acknowledged();
			Map<String, String> stored = cluster.entries("load:*");
			List<String> lost = failover.lost(stored);
			List<String> scanned = template.scan("load:*", 100).collectList().block(PATIENCE);
			logger.info(String.format(
					"Cluster failover %d -> %d: %d writes issued, %d acknowledged, %d lost, %d keys stored, %d scanned;"
							+ " keys per master %s; %s; %s; breaker failures %s",
					failover.from(), failover.to(), load.issuedCount(), acknowledged.size(), lost.size(), stored.size(),
					scanned.size(), cluster.keyCounts("load:*"), load.statuses(), load.failures(), errors));
			assertThat(lost).as("acknowledged writes missing after the failover").isEmpty();
			assertThat(load.statuses().get(Priority.HIGH.name())).containsOnlyKeys(Status.APPLIED);
			assertThat(load.statuses().get(Priority.NORMAL.name())).containsOnlyKeys(Status.APPLIED);
			assertThat(scanned).as("SCAN over every master").doesNotHaveDuplicates()
				.containsExactlyInAnyOrderElementsOf(stored.keySet());
			await().atMost(PATIENCE)
				.until(() -> context.getBean(CircuitBreaker.class).getState() == CircuitBreaker.State.CLOSED);
		});
	}

	@Test
	void manualFailoverUnderWriteLoadIsFollowedThroughRedirectionsWithoutLosingAWrite() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			BreakerErrors errors = BreakerErrors.record(context);
			int master = cluster.masterPorts().get(0);
			int replica = cluster.replicaOf(master);
			FailoverUnderLoad failover = FailoverUnderLoad.run(template, PATIENCE, () -> new Begun(master, () -> {
				// the replica takes over in agreement with its master, which then answers MOVED
				cluster.processes().onServer(replica, (commands) -> commands.clusterFailover(false));
				await().atMost(PATIENCE)
					.ignoreExceptions()
					.until(() -> cluster.masterPorts().contains(replica) && !cluster.masterPorts().contains(master));
				cluster.awaitHealthy();
				return replica;
			}));
			WriteLoad load = failover.load();
			Map<String, String> acknowledged = load.acknowledged();
			Map<String, String> stored = cluster.entries("load:*");
			List<String> lost = failover.lost(stored);
			logger.info(String.format(
					"Cluster manual failover %d -> %d: %d writes issued, %d acknowledged, %d lost; %s; %s;"
							+ " breaker failures %s",
					master, replica, load.issuedCount(), acknowledged.size(), lost.size(), load.statuses(),
					load.failures(), errors));
			assertThat(lost).as("acknowledged writes missing after the failover").isEmpty();
			for (Priority priority : List.of(Priority.CRITICAL, Priority.HIGH, Priority.NORMAL)) {
				assertThat(load.statuses().get(priority.name())).as(priority.name()).containsOnlyKeys(Status.APPLIED);
			}
			assertThat(template.scan("load:*", 100).collectList().block(PATIENCE)).doesNotHaveDuplicates()
				.containsExactlyInAnyOrderElementsOf(stored.keySet());
		});
	}

	@Test
	void writeAnsweredClusterDownIsQueuedAndAppliedOnceTheClusterIsBack() {
		int master = cluster.masterPorts().get(0);
		int replica = cluster.replicaOf(master);
		int otherMaster = cluster.masterPorts().get(1);
		String key = cluster.keyServedBy("down:", otherMaster);
		// a whole shard is lost: no failover can happen and the cluster goes down
		cluster.processes().kill(replica);
		cluster.processes().kill(master);
		cluster.awaitClusterDown();
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			WriteOutcome outcome = template.write(RedisWrite.set(key, "v"), Priority.HIGH).join();
			assertThat(outcome.status()).isEqualTo(Status.QUEUED);
			assertThat(outcome.cause()).as("the reply of a running master")
				.isInstanceOf(TransientDataAccessResourceException.class)
				.hasMessageContaining("CLUSTERDOWN");
			cluster.heal();
			assertThat(outcome.settlement().get(PATIENCE.toSeconds(), TimeUnit.SECONDS).status())
				.isEqualTo(Status.APPLIED);
			assertThat(cluster.entries(key)).containsExactly(Map.entry(key, "v"));
		});
	}

	@Test
	void recoveryQueueKeepsPerKeyOrderAcrossAFailover() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			BreakerErrors errors = BreakerErrors.record(context);
			OrderedWrites writes = new OrderedWrites(template, "ordered:", 30);
			for (int round = 0; round < 5; round++) {
				writes.issueRound();
			}
			// the hardest case: the master the connection's default endpoint talks to, so that
			// the template waits for its connection while writes to other masters go on
			int defaultNode = TemplateOperations.port(template);
			int killed = cluster.masterPorts().contains(defaultNode) ? defaultNode : cluster.masterOf("ordered:0");
			List<Integer> mastersBefore = cluster.killMaster(killed);
			for (int round = 0; round < 20; round++) {
				writes.issueRound();
			}
			cluster.awaitFailover(mastersBefore);
			for (int round = 0; round < 20; round++) {
				writes.issueRound();
			}
			await().atMost(PATIENCE).until(writes::isSettled);
			writes.assertOrdered((key) -> cluster.entries(key).get(key));
			logger.info("Cluster, per-key order across a failover: " + writes.summary() + "; "
					+ template.recoveryStats() + "; breaker failures " + errors);
		});
	}

	private static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

}
