package io.github.agentmemory.redis.topology;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
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
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.cluster.SlotHash;
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
 * key's writes are applied in the order they were issued. The same load while a range of
 * slots is resharded from one master to another ({@code SETSLOT IMPORTING/MIGRATING},
 * {@code MIGRATE}, {@code SETSLOT NODE}): every write applied at once, the redirections
 * followed by Lettuce without a breaker failure, and the moved keys routed to the new
 * master's breaker.
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

	@Test
	void slotsReshardedUnderLoadMoveTheirKeysToTheNewMastersBreakerWithNoWriteLostAndNoCircuitOpened() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CircuitBreakerRouting routing = context.getBean(CircuitBreakerRouting.class);
			List<String> transitions = new CopyOnWriteArrayList<>();
			List<String> failures = new CopyOnWriteArrayList<>();
			routing.forEach((breaker) -> breaker.getEventPublisher()
				.onStateTransition((event) -> transitions.add(breaker.getName() + " " + event.getStateTransition()))
				.onError((event) -> failures.add(breaker.getName() + " " + chain(event.getThrowable()))));
			template.ping().join();
			Map<String, Integer> masters = keysOnEveryMaster();
			int[] range = slotRange(masters, 1024);
			int source = range[2];
			int target = cluster.masterPorts().stream().filter((port) -> port != source).findFirst().orElseThrow();
			for (int master : cluster.masterPorts()) {
				cluster.processes().onServer(master, (commands) -> commands.configResetstat());
			}
			Set<String> moved = new TreeSet<>();
			for (String key : masters.keySet()) {
				int slot = SlotHash.getSlot(key);
				if (slot >= range[0] && slot <= range[1]) {
					moved.add(key);
				}
			}
			assertThat(moved).as("load keys in slots %d-%d of %d", range[0], range[1], source).hasSizeGreaterThan(1);
			assertThat(routing.forKey(moved.iterator().next()).getName()).endsWith(":" + source);
			ShardLoad load = ShardLoad.start(template, masters, 2, Duration.ofMillis(5));
			Failover resharding;
			try {
				await().atMost(PATIENCE).until(() -> load.count((write) -> write.last == Status.APPLIED) >= 400);
				long begun = System.nanoTime();
				reshard(load, moved, range, source, target);
				resharding = new Failover(source, target, begun, System.nanoTime());
				await().atMost(PATIENCE)
					.until(() -> moved.stream().allMatch((key) -> routing.forKey(key).getName().endsWith(":" + target)));
				awaitWritesAfter(load, resharding);
			}
			finally {
				load.stop();
			}
			await().atMost(PATIENCE).until(load::isSettled);
			Predicate<Write> during = (write) -> write.issuedBetween(resharding.begun(), resharding.done());
			Predicate<Write> untouched = (write) -> !moved.contains(write.key);
			long untouchedCount = load.count(during.and(untouched));
			long untouchedApplied = load.count(during.and(untouched).and((write) -> write.first == Status.APPLIED));
			double fraction = (untouchedCount > 0) ? (double) untouchedApplied / untouchedCount : 1;
			Predicate<Write> movedDuring = during.and(untouched.negate());
			long movedCount = load.count(movedDuring);
			long movedApplied = load.count(movedDuring.and((write) -> write.first == Status.APPLIED));
			Map<Integer, List<String>> redirections = redirections();
			logger.info(String.format("Cluster resharding, slots %d-%d (%d load keys) %d -> %d in %d ms: %d writes"
					+ " issued, %d during the resharding; untouched slots: %d of %d applied at once (%.2f %%),"
					+ " statuses %s; moved slots: %d of %d applied at once, statuses %s, causes %s; all writes:"
					+ " statuses %s, causes %s; breaker transitions %s; breaker failures %s; redirections answered"
					+ " by the masters %s; recovery %s",
					range[0], range[1], moved.size(), source, target,
					TimeUnit.NANOSECONDS.toMillis(resharding.done() - resharding.begun()), load.writes().size(),
					load.count(during), untouchedApplied, untouchedCount, fraction * 100,
					load.statuses(during.and(untouched)), movedApplied, movedCount, load.statuses(movedDuring),
					load.causes(movedDuring), load.statuses((write) -> true), load.causes((write) -> true), transitions,
					failures, redirections, template.recoveryStats()));
			assertThat(untouchedCount).as("writes to untouched slots during the resharding").isGreaterThanOrEqualTo(50);
			assertThat(movedCount).as("writes to the moved slots during the resharding").isGreaterThanOrEqualTo(10);
			assertThat(load.statuses(movedDuring)).as("kinds of writes to the moved slots during the resharding")
				.containsOnlyKeys("PLAIN", "CRITICAL", "HIGH", "NORMAL", "LOW");
			assertThat(fraction).as("fraction applied at once on untouched slots").isGreaterThanOrEqualTo(0.99);
			assertThat(load.statuses(untouched)).as("final statuses of the writes to untouched slots")
				.allSatisfy((kind, statuses) -> assertThat(statuses).containsOnlyKeys(Status.APPLIED));
			assertThat(load.writes()).as("writes dropped")
				.filteredOn((write) -> write.last == Status.DROPPED)
				.allSatisfy((write) -> {
					assertThat(write.priority).isEqualTo(Priority.LOW);
					assertThat(write.cause).as("the failure a dropped LOW write met").isNotNull();
				});
			for (Priority priority : List.of(Priority.CRITICAL, Priority.HIGH, Priority.NORMAL)) {
				assertThat(load.statuses((write) -> true).get(priority.name())).as(priority.name())
					.containsOnlyKeys(Status.APPLIED);
			}
			assertThat(load.lostOrStale(cluster.entries("iso:*"))).as("lost or stale keys").isEmpty();
			load.appliedOrder()
				.forEach((key, versions) -> assertThat(versions).as("versions of %s in the order applied", key)
					.isSorted()
					.doesNotHaveDuplicates());
			for (String key : moved) {
				assertThat(cluster.masterOf(key)).as("master of %s", key).isEqualTo(target);
				long stored = cluster.processes().onServer(target, (commands) -> commands.exists(key));
				assertThat(stored)
					.as("%s stored on %d", key, target)
					.isEqualTo(1L);
				assertThat(routing.forKey(key).getName()).as("breaker of %s", key).endsWith(":" + target);
				assertThat(template.circuitState(key)).as("circuit of %s", key).isEqualTo(CircuitBreaker.State.CLOSED);
			}
			assertThat(redirections.get(source)).as("redirections the source answered")
				.anyMatch((line) -> line.startsWith("errorstat_ASK:"))
				.anyMatch((line) -> line.startsWith("errorstat_MOVED:"));
			assertThat(transitions).as("breaker transitions").isEmpty();
			assertThat(failures).as("breaker failures").noneMatch((failure) -> failure.matches("(?s).*\\b(MOVED|ASK)\\b.*"));
		});
	}

	/**
	 * The range of at most {@code width} slots of one master that holds the most load
	 * keys.
	 * @return its first and last slot and the master's port
	 */
	private static int[] slotRange(Map<String, Integer> masters, int width) {
		int[] best = null;
		int bestCount = 0;
		for (int master : cluster.masterPorts()) {
			List<Integer> slots = masters.entrySet()
				.stream()
				.filter((entry) -> entry.getValue() == master)
				.map((entry) -> SlotHash.getSlot(entry.getKey()))
				.sorted()
				.toList();
			for (int i = 0; i < slots.size(); i++) {
				int j = i;
				while (j + 1 < slots.size() && slots.get(j + 1) - slots.get(i) < width) {
					j++;
				}
				if (j - i + 1 > bestCount) {
					bestCount = j - i + 1;
					best = new int[] { slots.get(i), slots.get(j), master };
				}
			}
		}
		return best;
	}

	/**
	 * Move a range of slots from one master to another the way {@code redis-cli --cluster
	 * reshard} does, through admin connections: every slot {@code IMPORTING} on the target
	 * and {@code MIGRATING} on the source; then the keys of each slot moved with
	 * {@code MIGRATE ... KEYS}, the load going on between slots so that writes meet the
	 * {@code ASK} state; then {@code SETSLOT NODE} on the target, the source and the other
	 * masters.
	 */
	private static void reshard(ShardLoad load, Set<String> moved, int[] range, int source, int target) {
		String sourceId = cluster.processes().onServer(source, (commands) -> commands.clusterMyId());
		String targetId = cluster.processes().onServer(target, (commands) -> commands.clusterMyId());
		List<Integer> others = cluster.masterPorts().stream().filter((p) -> p != source && p != target).toList();
		cluster.processes().onServer(target, (to) -> cluster.processes().onServer(source, (from) -> {
			for (int slot = range[0]; slot <= range[1]; slot++) {
				to.clusterSetSlotImporting(slot, sourceId);
				from.clusterSetSlotMigrating(slot, targetId);
			}
			for (int slot = range[0]; slot <= range[1]; slot++) {
				List<String> keys;
				boolean any = false;
				while (!(keys = from.clusterGetKeysInSlot(slot, 10)).isEmpty()) {
					from.migrate("127.0.0.1", target, 0, 5000, MigrateArgs.Builder.keys(keys));
					any = true;
				}
				if (any) {
					long applied = appliedTo(load, moved);
					await().atMost(PATIENCE).until(() -> appliedTo(load, moved) >= applied + 20);
				}
			}
			for (int slot = range[0]; slot <= range[1]; slot++) {
				to.clusterSetSlotNode(slot, targetId);
				from.clusterSetSlotNode(slot, targetId);
			}
			return null;
		}));
		for (int other : others) {
			cluster.processes().onServer(other, (commands) -> {
				for (int slot = range[0]; slot <= range[1]; slot++) {
					commands.clusterSetSlotNode(slot, targetId);
				}
				return null;
			});
		}
		cluster.awaitHealthy();
		await().atMost(PATIENCE).until(() -> cluster.masterPorts().stream().allMatch((port) -> cluster.nodes(port)
			.stream()
			.filter((node) -> node.port() == target)
			.allMatch((node) -> moved.stream().allMatch((key) -> node.serves(SlotHash.getSlot(key))))));
	}

	/** The ASK and MOVED replies each master counted since the test reset its stats. */
	private static Map<Integer, List<String>> redirections() {
		Map<Integer, List<String>> counts = new LinkedHashMap<>();
		for (int master : cluster.masterPorts()) {
			counts.put(master, cluster.processes()
				.onServer(master, (commands) -> commands.info("errorstats"))
				.lines()
				.filter((line) -> line.startsWith("errorstat_ASK") || line.startsWith("errorstat_MOVED"))
				.toList());
		}
		return counts;
	}

	private static String chain(Throwable error) {
		StringBuilder text = new StringBuilder(String.valueOf(error));
		for (Throwable cause = error.getCause(); cause != null && cause != error; cause = cause.getCause()) {
			text.append(" <- ").append(cause);
			error = cause;
		}
		return text.toString();
	}

	private static long appliedTo(ShardLoad load, Set<String> keys) {
		return load.count((write) -> keys.contains(write.key) && write.last == Status.APPLIED);
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
	 * A failover (or a resharding): from which master to which, when it began and when the
	 * new master was seen serving.
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
