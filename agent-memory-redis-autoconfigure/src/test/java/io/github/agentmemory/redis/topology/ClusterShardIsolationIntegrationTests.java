package io.github.agentmemory.redis.topology;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.test.RedisClusterExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.agentmemory.redis.test.TemplateOperations;
import io.github.agentmemory.redis.topology.ShardLoad.Write;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One circuit breaker per master on a Redis Cluster of real processes (three masters,
 * each with a replica, {@code cluster-require-full-coverage no} so that the other masters
 * serve while one is down): a write load at mixed priorities over keys on every master,
 * and one master failing over. The writes to the healthy masters' keys go on being
 * applied at once; those to the failing master's keys are queued and applied once its
 * replica serves them; no acknowledged write is lost, no key is left stale, and each
 * key's writes are applied in the order they were issued.
 */
class ClusterShardIsolationIntegrationTests {

	private static final Log logger = LogFactory.getLog(ClusterShardIsolationIntegrationTests.class);

	private static final Duration PATIENCE = Duration.ofSeconds(60);

	/** Writes issued on each master's keys after the failover before the load stops. */
	private static final int AFTER_FAILOVER = 300;

	@RegisterExtension
	static final RedisClusterExtension cluster = new RedisClusterExtension("cluster-require-full-coverage no");

	private ApplicationContextRunner runner() {
		return TemplateContexts.failoverRunner(cluster.springProperties());
	}

	@Test
	void masterKilledUnderLoadStopsOnlyTheWritesOfItsKeysUntilItsReplicaServesThem() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			Map<String, Integer> masters = keysOnEveryMaster();
			// the hardest case: the master the connection's default endpoint talks to (PING,
			// keyless commands), if it is one
			int defaultNode = TemplateOperations.port(template);
			int killed = masters.containsValue(defaultNode) ? defaultNode : masters.get("iso:0");
			ShardLoad load = ShardLoad.start(template, masters, 2, Duration.ofMillis(5));
			Failover failover;
			try {
				await().atMost(PATIENCE).until(() -> load.count((write) -> write.last == Status.APPLIED) >= 400);
				long begun = System.nanoTime();
				List<Integer> mastersBefore = cluster.killMaster(killed);
				int promoted = cluster.awaitFailover(mastersBefore);
				failover = new Failover(killed, promoted, begun, System.nanoTime());
				awaitWritesAfter(load, failover);
			}
			finally {
				load.stop();
			}
			await().atMost(PATIENCE).until(load::isSettled);
			Figures figures = report("SIGKILL", context, load, failover);
			assertIsolated(load, failover, figures, 50);
			assertThat(figures.deadShardQueued()).as("writes to the dead master's keys queued").isPositive();
			assertThat(figures.firstAppliedAfterPromotion()).as("the dead master's keys applied again").isNotNull();
		});
	}

	@Test
	void manualFailoverUnderLoadKeepsTheOtherMastersWritesApplied() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			Map<String, Integer> masters = keysOnEveryMaster();
			int master = masters.get("iso:0");
			int replica = cluster.replicaOf(master);
			ShardLoad load = ShardLoad.start(template, masters, 2, Duration.ofMillis(5));
			Failover failover;
			try {
				await().atMost(PATIENCE).until(() -> load.count((write) -> write.last == Status.APPLIED) >= 400);
				long begun = System.nanoTime();
				cluster.processes().onServer(replica, (commands) -> commands.clusterFailover(false));
				await().atMost(PATIENCE)
					.ignoreExceptions()
					.until(() -> cluster.masterPorts().contains(replica) && !cluster.masterPorts().contains(master));
				failover = new Failover(master, replica, begun, System.nanoTime());
				cluster.awaitHealthy();
				awaitWritesAfter(load, failover);
			}
			finally {
				load.stop();
			}
			await().atMost(PATIENCE).until(load::isSettled);
			Figures figures = report("CLUSTER FAILOVER", context, load, failover);
			assertIsolated(load, failover, figures, 1);
			for (Priority priority : List.of(Priority.CRITICAL, Priority.HIGH, Priority.NORMAL)) {
				assertThat(load.statuses((write) -> true).get(priority.name())).as(priority.name())
					.containsOnlyKeys(Status.APPLIED);
			}
		});
	}

	/** Keys {@code iso:0} to {@code iso:59}, each with the master that serves it. */
	private static Map<String, Integer> keysOnEveryMaster() {
		Map<String, Integer> masters = new LinkedHashMap<>();
		for (int i = 0; i < 60; i++) {
			masters.put("iso:" + i, cluster.masterOf("iso:" + i));
		}
		assertThat(masters.values()).as("masters of the keys").containsAll(cluster.masterPorts());
		return masters;
	}

	/** The load goes on until writes issued after the failover are applied on every master. */
	private static void awaitWritesAfter(ShardLoad load, Failover failover) {
		await().atMost(PATIENCE).until(() -> {
			Map<Integer, Long> applied = new LinkedHashMap<>();
			for (Write write : load.writes()) {
				if (write.issuedNanos - failover.done() > 0 && write.last == Status.APPLIED) {
					applied.merge(write.master, 1L, Long::sum);
				}
			}
			return applied.size() == 3 && applied.values().stream().allMatch((count) -> count >= AFTER_FAILOVER / 3);
		});
	}

	private static void assertIsolated(ShardLoad load, Failover failover, Figures figures, int minHealthy) {
		assertThat(figures.healthyDuringOutage()).as("writes to the healthy masters' keys during the failover")
			.isGreaterThanOrEqualTo(minHealthy);
		assertThat(figures.healthyAppliedFraction()).as("fraction applied at once on the healthy masters")
			.isGreaterThanOrEqualTo(0.99);
		Predicate<Write> healthy = (write) -> write.master != failover.from();
		assertThat(load.count(healthy.and((write) -> write.last == Status.DROPPED)))
			.as("writes to the healthy masters' keys dropped: %s", load.causes(healthy))
			.isZero();
		for (Priority priority : List.of(Priority.HIGH, Priority.NORMAL)) {
			assertThat(load.statuses((write) -> true).get(priority.name())).as(priority.name())
				.containsOnlyKeys(Status.APPLIED);
		}
		assertThat(load.lostOrStale(cluster.entries("iso:*"))).as("lost or stale keys").isEmpty();
		load.appliedOrder()
			.forEach((key, versions) -> assertThat(versions).as("versions of %s in the order applied", key)
				.isSorted()
				.doesNotHaveDuplicates());
	}

	private static Figures report(String kind, AssertableApplicationContext context, ShardLoad load,
			Failover failover) {
		Predicate<Write> duringOutage = (write) -> write.issuedBetween(failover.begun(), failover.done());
		Predicate<Write> healthy = duringOutage.and((write) -> write.master != failover.from());
		Predicate<Write> dead = duringOutage.and((write) -> write.master == failover.from());
		long healthyCount = load.count(healthy);
		long healthyApplied = load.count(healthy.and((write) -> write.first == Status.APPLIED));
		double fraction = (healthyCount > 0) ? (double) healthyApplied / healthyCount : 1;
		long deadQueued = load.count(dead.and((write) -> write.first == Status.QUEUED));
		Long firstApplied = null;
		Long allApplied = null;
		long firstFromStart = Long.MAX_VALUE;
		for (Write write : load.writes()) {
			if (write.master == failover.from() && write.first == Status.QUEUED && write.last == Status.APPLIED
					&& write.issuedNanos - failover.begun() > 0) {
				long millis = TimeUnit.NANOSECONDS.toMillis(write.settledNanos - failover.done());
				firstApplied = (firstApplied == null) ? millis : Math.min(firstApplied, millis);
				allApplied = (allApplied == null) ? millis : Math.max(allApplied, millis);
				firstFromStart = Math.min(firstFromStart, TimeUnit.NANOSECONDS.toMillis(write.settledNanos - failover.begun()));
			}
		}
		Figures figures = new Figures(healthyCount, fraction, deadQueued, firstApplied, allApplied);
		CircuitBreakerRouting routing = context.getBean(CircuitBreakerRouting.class);
		Map<String, String> breakers = new LinkedHashMap<>();
		for (CircuitBreaker breaker : routing.circuitBreakers()) {
			breakers.put(breaker.getName(), breaker.getState() + " failed=" + breaker.getMetrics().getNumberOfFailedCalls()
					+ " rejected=" + breaker.getMetrics().getNumberOfNotPermittedCalls());
		}
		logger.info(String.format(
				"Cluster shard isolation, %s %d -> %d in %d ms: %d writes issued, %d during the failover;"
						+ " healthy masters: %d of %d applied at once (%.2f %%), statuses %s; dead master: %d queued,"
						+ " statuses %s, causes %s; queued writes of the dead master applied from %s ms to %s ms after"
						+ " the promotion was seen (the first %s ms after the failover began); breakers %s; recovery %s",
				kind, failover.from(), failover.to(), TimeUnit.NANOSECONDS.toMillis(failover.done() - failover.begun()),
				load.writes().size(), load.count(duringOutage), healthyApplied, healthyCount, fraction * 100,
				load.statuses(healthy), deadQueued, load.statuses(dead), load.causes(dead), firstApplied, allApplied,
				(firstApplied != null) ? firstFromStart : null, breakers, template(context).recoveryStats()));
		return figures;
	}

	private static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

	/**
	 * A failover: from which master to which, when it began and when the new master was
	 * seen serving.
	 */
	private record Failover(int from, int to, long begun, long done) {

	}

	/**
	 * What the test prints.
	 */
	private record Figures(long healthyDuringOutage, double healthyAppliedFraction, long deadShardQueued,
			Long firstAppliedAfterPromotion, Long allAppliedAfterPromotion) {

	}

}
