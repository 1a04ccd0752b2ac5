package io.github.agentmemory.redis.resilience;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * One circuit breaker per Redis Cluster master: a key's calls go through the breaker of
 * the master that serves the key's slot in the client's current topology
 * ({@link SlotHash#getSlot(byte[])}, {@link Partitions#getMasterBySlot(int)}), so that a
 * dead or failing master opens the circuit of its own keys only.
 *
 * <p>
 * The topology is the connection's, kept up to date by Lettuce's topology refresh: after
 * a failover or a resharding a key's calls go through the breaker of its new master.
 * Order is not this class's business: the write path orders writes per key whichever
 * breaker they go through. Before the connection is open (the topology is not known, and
 * startup never connects) and for a slot no master serves, calls go through the breaker
 * of the whole cluster, which also guards the calls without a key.
 *
 * <p>
 * A master's breaker is created on its first call, named
 * {@code <cluster breaker's name>-<host>:<port>} by the given factory (the starter
 * configures it like the cluster's); a master that comes back at the same address gets
 * its breaker back.
 *
 * @author agent-memory-redis
 */
public class ClusterCircuitBreakers implements CircuitBreakerRouting {

	/** Shortest time between two topology refreshes asked by {@link #circuitRejected()}. */
	static final long MIN_REFRESH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final CircuitBreaker cluster;

	private final Function<String, CircuitBreaker> factory;

	private final Supplier<Partitions> topology;

	private final Runnable refreshTopology;

	/** Breakers by node id; several ids may share a breaker (a node reset at the same address). */
	private final Map<String, CircuitBreaker> byNode = new ConcurrentHashMap<>();

	/** Breakers by name, in creation order; guarded by {@code this}. */
	private final Map<String, CircuitBreaker> byName = new LinkedHashMap<>();

	private final List<Consumer<CircuitBreaker>> listeners = new CopyOnWriteArrayList<>();

	private final AtomicLong lastRefreshNanos = new AtomicLong(System.nanoTime() - MIN_REFRESH_INTERVAL_NANOS);

	/**
	 * Create the breakers of a cluster.
	 * @param cluster the breaker of the whole cluster: calls without a key, and keys whose
	 * master is not known
	 * @param factory creates (or takes from a registry) the breaker of the given name
	 * @param topology the connection's current topology, {@code null} while it is not open
	 * @param refreshTopology asks the client to read the topology again now
	 */
	public ClusterCircuitBreakers(CircuitBreaker cluster, Function<String, CircuitBreaker> factory,
			Supplier<Partitions> topology, Runnable refreshTopology) {
		Assert.notNull(cluster, "'cluster' must not be null");
		Assert.notNull(factory, "'factory' must not be null");
		Assert.notNull(topology, "'topology' must not be null");
		Assert.notNull(refreshTopology, "'refreshTopology' must not be null");
		this.cluster = cluster;
		this.factory = factory;
		this.topology = topology;
		this.refreshTopology = refreshTopology;
	}

	@Override
	public CircuitBreaker forKey(byte[] key) {
		return forSlot(SlotHash.getSlot(key));
	}

	@Override
	public CircuitBreaker forKey(String key) {
		return forSlot(SlotHash.getSlot(key));
	}

	private CircuitBreaker forSlot(int slot) {
		Partitions partitions = this.topology.get();
		RedisClusterNode master = (partitions != null) ? partitions.getMasterBySlot(slot) : null;
		if (master == null || master.getNodeId() == null) {
			return this.cluster;
		}
		CircuitBreaker breaker = this.byNode.get(master.getNodeId());
		return (breaker != null) ? breaker : create(master);
	}

	private CircuitBreaker create(RedisClusterNode master) {
		String name = name(master);
		CircuitBreaker breaker;
		boolean created = false;
		synchronized (this) {
			breaker = this.byName.get(name);
			if (breaker == null) {
				breaker = this.factory.apply(name);
				this.byName.put(name, breaker);
				created = true;
			}
			this.byNode.put(master.getNodeId(), breaker);
			if (created) {
				for (Consumer<CircuitBreaker> listener : this.listeners) {
					listener.accept(breaker);
				}
			}
		}
		return breaker;
	}

	/**
	 * The name of a master's breaker.
	 * @param master the master
	 * @return {@code <cluster breaker's name>-<host>:<port>}
	 */
	String name(RedisClusterNode master) {
		RedisURI uri = master.getUri();
		String address = (uri != null) ? uri.getHost() + ":" + uri.getPort() : master.getNodeId();
		return this.cluster.getName() + "-" + address;
	}

	@Override
	public CircuitBreaker keyless() {
		return this.cluster;
	}

	@Override
	public synchronized List<CircuitBreaker> circuitBreakers() {
		List<CircuitBreaker> all = new ArrayList<>(this.byName.size() + 1);
		all.add(this.cluster);
		all.addAll(this.byName.values());
		return all;
	}

	/**
	 * The masters that serve slots in the current topology, with their breakers.
	 * @return master address ({@code host:port}) to breaker, empty while the connection is
	 * not open
	 */
	public Map<String, CircuitBreaker> mastersWithBreakers() {
		Map<String, CircuitBreaker> masters = new LinkedHashMap<>();
		Partitions partitions = this.topology.get();
		if (partitions != null) {
			for (RedisClusterNode node : partitions) {
				if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
					String name = name(node);
					CircuitBreaker breaker = breakerNamed(name);
					masters.put(name.substring(this.cluster.getName().length() + 1),
							(breaker != null) ? breaker : create(node));
				}
			}
		}
		return masters;
	}

	@Nullable
	private synchronized CircuitBreaker breakerNamed(String name) {
		return this.byName.get(name);
	}

	@Override
	public void forEach(Consumer<CircuitBreaker> consumer) {
		Assert.notNull(consumer, "'consumer' must not be null");
		List<CircuitBreaker> existing;
		synchronized (this) {
			this.listeners.add(consumer);
			existing = circuitBreakers();
		}
		existing.forEach(consumer);
	}

	@Override
	public boolean isSingle() {
		return false;
	}

	/**
	 * Ask the client to read the topology again, at most once per second: the keys of a
	 * dead master are served by its replica once it is promoted, and Lettuce's own
	 * adaptive refresh may be rate-limited for longer than that.
	 */
	@Override
	public void circuitRejected() {
		long last = this.lastRefreshNanos.get();
		long now = System.nanoTime();
		if (now - last >= MIN_REFRESH_INTERVAL_NANOS && this.topology.get() != null
				&& this.lastRefreshNanos.compareAndSet(last, now)) {
			this.refreshTopology.run();
		}
	}

}
