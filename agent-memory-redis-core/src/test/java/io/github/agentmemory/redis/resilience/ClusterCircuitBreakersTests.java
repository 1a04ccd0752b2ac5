package io.github.agentmemory.redis.resilience;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterCircuitBreakers}, on topologies built by hand.
 */
class ClusterCircuitBreakersTests {

	private final CircuitBreaker cluster = CircuitBreaker.ofDefaults(RedisCircuitBreakers.NAME);

	private final AtomicReference<Partitions> topology = new AtomicReference<>();

	private final AtomicInteger refreshes = new AtomicInteger();

	private final ClusterCircuitBreakers breakers = new ClusterCircuitBreakers(this.cluster, CircuitBreaker::ofDefaults,
			this.topology::get, this.refreshes::incrementAndGet);

	@Test
	void keysGoThroughTheClusterBreakerWhileTheTopologyIsNotKnown() {
		assertThat(this.breakers.forKey("a")).isSameAs(this.cluster);
		assertThat(this.breakers.keyless()).isSameAs(this.cluster);
		assertThat(this.breakers.circuitBreakers()).containsExactly(this.cluster);
		assertThat(this.breakers.isSingle()).isFalse();
	}

	@Test
	void keysGoThroughTheBreakerOfTheMasterOfTheirSlot() {
		this.topology.set(partitions(master("a", 7000, 0, 8191), master("b", 7001, 8192, 16383)));
		String low = keyInSlots(0, 8191);
		String high = keyInSlots(8192, 16383);
		assertThat(this.breakers.forKey(low).getName()).isEqualTo("agent-memory-redis-127.0.0.1:7000");
		assertThat(this.breakers.forKey(high).getName()).isEqualTo("agent-memory-redis-127.0.0.1:7001");
		assertThat(this.breakers.forKey(low.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
			.isSameAs(this.breakers.forKey(low));
		assertThat(this.breakers.keyless()).isSameAs(this.cluster);
		assertThat(this.breakers.mastersWithBreakers()).containsOnlyKeys("127.0.0.1:7000", "127.0.0.1:7001");
	}

	@Test
	void aFailoverMovesTheKeysToTheBreakerOfThePromotedReplica() {
		this.topology.set(partitions(master("a", 7000, 0, 8191), master("b", 7001, 8192, 16383)));
		String key = keyInSlots(0, 8191);
		CircuitBreaker dead = this.breakers.forKey(key);
		dead.transitionToOpenState();
		this.topology.set(partitions(master("c", 7002, 0, 8191), master("b", 7001, 8192, 16383)));
		CircuitBreaker promoted = this.breakers.forKey(key);
		assertThat(promoted.getName()).isEqualTo("agent-memory-redis-127.0.0.1:7002");
		assertThat(promoted.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		this.topology.set(partitions(master("a", 7000, 0, 8191), master("b", 7001, 8192, 16383)));
		assertThat(this.breakers.forKey(key)).as("the same address gets its breaker back").isSameAs(dead);
	}

	@Test
	void listenersSeeEveryBreakerOnceIncludingThoseCreatedLater() {
		List<String> seen = new ArrayList<>();
		this.breakers.forEach((breaker) -> seen.add(breaker.getName()));
		this.topology.set(partitions(master("a", 7000, 0, 16383)));
		this.breakers.forKey("x");
		this.breakers.forKey("y");
		assertThat(seen).containsExactly("agent-memory-redis", "agent-memory-redis-127.0.0.1:7000");
	}

	@Test
	void rejectedCircuitsAskForATopologyRefreshAtMostOnceASecond() {
		this.breakers.circuitRejected();
		assertThat(this.refreshes).as("not connected").hasValue(0);
		this.topology.set(partitions(master("a", 7000, 0, 16383)));
		this.breakers.circuitRejected();
		this.breakers.circuitRejected();
		assertThat(this.refreshes).hasValue(1);
	}

	private static String keyInSlots(int from, int to) {
		for (int i = 0;; i++) {
			int slot = SlotHash.getSlot("key" + i);
			if (slot >= from && slot <= to) {
				return "key" + i;
			}
		}
	}

	private static RedisClusterNode master(String id, int port, int from, int to) {
		List<Integer> slots = IntStream.rangeClosed(from, to).boxed().toList();
		return new RedisClusterNode(RedisURI.create("127.0.0.1", port), id, true, null, 0, 0, 0, slots,
				Set.of(NodeFlag.UPSTREAM));
	}

	private static Partitions partitions(RedisClusterNode... nodes) {
		Partitions partitions = new Partitions();
		for (RedisClusterNode node : nodes) {
			partitions.add(node);
		}
		partitions.updateCache();
		return partitions;
	}

}
