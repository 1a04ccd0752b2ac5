package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.CircuitBreakerLogger;
import io.github.agentmemory.redis.ResilientRedisConnection;
import io.github.agentmemory.redis.ResilientRedisTemplate;
import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.recovery.RecoveryCounters;
import io.github.agentmemory.redis.recovery.RecoveryProcessor;
import io.github.agentmemory.redis.recovery.RecoveryQueue;
import io.github.agentmemory.redis.recovery.WriteSequencer;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.resilience.ClusterCircuitBreakers;
import io.github.agentmemory.redis.resilience.RedisCircuitBreakers;
import io.github.agentmemory.redis.resilience.RedisExceptionTranslator;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.ResilienceScheduler;
import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.lettuce.core.cluster.RedisClusterClient;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of the resilient Redis templates over the application's
 * {@link LettuceConnectionFactory}: the circuit breaker, the guarded connection, the
 * write path with its recovery queue and processor, and the templates, each a bean.
 *
 * @author agent-memory-redis
 */
@AutoConfiguration(afterName = {
		// Spring Boot 3.5's and 4.1's Redis auto-configuration
		"org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration",
		"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
		// resilience4j-spring-boot3's and resilience4j-spring-boot4's registries
		"io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
		"io.github.resilience4j.springboot3.retry.autoconfigure.RetryAutoConfiguration",
		"io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
		"io.github.resilience4j.springboot.retry.autoconfigure.RetryAutoConfiguration" })
@ConditionalOnClass({ LettuceConnectionFactory.class, CircuitBreaker.class, Retry.class })
@ConditionalOnProperty(prefix = "agent-memory.redis", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(AgentMemoryRedisProperties.class)
@Import({ LettuceFailFastConfiguration.class, LettuceClusterRefreshConfiguration.class,
		LettuceFlushConsolidationConfiguration.class, LettuceCommandLatencyConfiguration.class, RedisCircuitBreakerFactoryConfiguration.class,
		RecoveryJournalConfiguration.class })
public class AgentMemoryRedisAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ResilienceScheduler agentMemoryRedisScheduler(AgentMemoryRedisProperties properties) {
		return new ResilienceScheduler(properties.getScheduler().getPoolSize());
	}

	@Bean
	@ConditionalOnMissingBean(name = "agentMemoryRedisCircuitBreaker")
	CircuitBreaker agentMemoryRedisCircuitBreaker(AgentMemoryRedisProperties properties,
			RedisCircuitBreakerFactory agentMemoryRedisCircuitBreakerFactory) {
		return agentMemoryRedisCircuitBreakerFactory.createCircuitBreaker(properties.getCircuitBreaker());
	}

	@Bean
	@ConditionalOnMissingBean
	ResilientCommandExecutor agentMemoryRedisCommandExecutor(AgentMemoryRedisProperties properties,
			CircuitBreaker agentMemoryRedisCircuitBreaker, ResilienceScheduler agentMemoryRedisScheduler,
			ObjectProvider<RetryRegistry> retryRegistry) {
		RetryConfig retryConfig = retryPolicy(properties).toRetryConfig();
		RetryRegistry retries = retryRegistry.getIfAvailable();
		Retry retry = (retries != null) ? retries.retry(RedisCircuitBreakers.NAME, retryConfig)
				: Retry.of(RedisCircuitBreakers.NAME, retryConfig);
		return new ResilientCommandExecutor(agentMemoryRedisCircuitBreaker, retry,
				agentMemoryRedisScheduler.getExecutor(), new RedisFaultClassifier(), new RedisExceptionTranslator());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
	ResilientRedisConnection agentMemoryRedisConnection(RedisConnectionFactory redisConnectionFactory,
			ResilientCommandExecutor agentMemoryRedisCommandExecutor) {
		if (!(redisConnectionFactory instanceof LettuceConnectionFactory lettuceConnectionFactory)) {
			throw new IllegalStateException("agent-memory-redis needs Spring Data Redis's LettuceConnectionFactory, "
					+ "but the application's RedisConnectionFactory is a " + redisConnectionFactory.getClass().getName()
					+ ". Use Lettuce (the default client of spring-boot-starter-data-redis) "
					+ "or set agent-memory.redis.enabled=false.");
		}
		return new ResilientRedisConnection(lettuceConnectionFactory, agentMemoryRedisCommandExecutor);
	}

	/**
	 * The breaker of each call: the one breaker, or on Redis Cluster one per master (the
	 * connection's calls with a key are routed by it from now on).
	 */
	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(ResilientRedisConnection.class)
	CircuitBreakerRouting agentMemoryRedisCircuitBreakerRouting(RedisConnectionFactory redisConnectionFactory,
			CircuitBreaker agentMemoryRedisCircuitBreaker, RedisCircuitBreakerFactory agentMemoryRedisCircuitBreakerFactory,
			ResilientRedisConnection agentMemoryRedisConnection) {
		if (!(redisConnectionFactory instanceof LettuceConnectionFactory lettuce) || !lettuce.isClusterAware()) {
			return CircuitBreakerRouting.single(agentMemoryRedisCircuitBreaker);
		}
		ClusterCircuitBreakers routing = new ClusterCircuitBreakers(agentMemoryRedisCircuitBreaker,
				(name) -> agentMemoryRedisCircuitBreakerFactory.createMasterCircuitBreaker(agentMemoryRedisCircuitBreaker,
						name),
				agentMemoryRedisConnection::clusterPartitions, () -> refreshTopology(lettuce));
		agentMemoryRedisConnection.route(routing);
		return routing;
	}

	private static void refreshTopology(LettuceConnectionFactory connectionFactory) {
		if (connectionFactory.getNativeClient() instanceof RedisClusterClient client) {
			client.refreshPartitionsAsync();
		}
	}

	@Bean
	@ConditionalOnMissingBean
	RecoveryCounters agentMemoryRedisRecoveryCounters() {
		return new RecoveryCounters();
	}

	@Bean
	@ConditionalOnMissingBean
	RecoveryQueue agentMemoryRedisRecoveryQueue(AgentMemoryRedisProperties properties,
			RecoveryCounters agentMemoryRedisRecoveryCounters) {
		return new RecoveryQueue(properties.getRecovery().getCapacity(), agentMemoryRedisRecoveryCounters);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(ResilientRedisConnection.class)
	WriteSequencer agentMemoryRedisWriteSequencer(AgentMemoryRedisProperties properties,
			ResilientRedisConnection agentMemoryRedisConnection,
			CircuitBreakerRouting agentMemoryRedisCircuitBreakerRouting,
			ResilienceScheduler agentMemoryRedisScheduler, RecoveryQueue agentMemoryRedisRecoveryQueue,
			RecoveryCounters agentMemoryRedisRecoveryCounters, ObjectProvider<RecoveryJournal> recoveryJournal) {
		AgentMemoryRedisProperties.Recovery recovery = properties.getRecovery();
		RecoveryJournal journal = recoveryJournal.getIfAvailable();
		if (recovery.getJournal().isEnabled() && journal == null) {
			throw new IllegalStateException("agent-memory.redis.recovery.journal.enabled is true, but SQLite's JDBC "
					+ "driver is not on the class path: add org.xerial:sqlite-jdbc (agent-memory-redis-starter brings it)");
		}
		WriteSequencer sequencer = new WriteSequencer(agentMemoryRedisConnection, agentMemoryRedisCircuitBreakerRouting,
				agentMemoryRedisScheduler.getExecutor(), new RedisFaultClassifier(), retryPolicy(properties),
				agentMemoryRedisRecoveryQueue, agentMemoryRedisRecoveryCounters, recovery.isEnabled(),
				recovery.getMaxAttempts(), System::nanoTime, journal);
		// the writes the journal kept from the last run go first, before any new write
		sequencer.recover();
		return sequencer;
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(WriteSequencer.class)
	AsyncResilientRedisTemplate asyncResilientRedisTemplate(AgentMemoryRedisProperties properties,
			ResilientRedisConnection agentMemoryRedisConnection, WriteSequencer agentMemoryRedisWriteSequencer,
			RecoveryQueue agentMemoryRedisRecoveryQueue, CircuitBreakerRouting agentMemoryRedisCircuitBreakerRouting) {
		return new AsyncResilientRedisTemplate(agentMemoryRedisConnection, agentMemoryRedisWriteSequencer,
				agentMemoryRedisRecoveryQueue, agentMemoryRedisCircuitBreakerRouting,
				StoreFunction.hash(properties.getAgentState().getKeyPattern()));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(WriteSequencer.class)
	@ConditionalOnProperty(prefix = "agent-memory.redis.recovery", name = "enabled", matchIfMissing = true)
	RecoveryProcessor agentMemoryRedisRecoveryProcessor(AgentMemoryRedisProperties properties,
			WriteSequencer agentMemoryRedisWriteSequencer, RecoveryQueue agentMemoryRedisRecoveryQueue,
			CircuitBreakerRouting agentMemoryRedisCircuitBreakerRouting, ResilienceScheduler agentMemoryRedisScheduler) {
		AgentMemoryRedisProperties.Recovery recovery = properties.getRecovery();
		return new RecoveryProcessor(agentMemoryRedisWriteSequencer, agentMemoryRedisRecoveryQueue,
				agentMemoryRedisCircuitBreakerRouting, agentMemoryRedisScheduler.getExecutor(), recovery.getPollInterval(),
				recovery.getBatchSize(), recovery.getMaxAge(), recovery.getMaxInterval(),
				recovery.getShutdownTimeout());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ AsyncResilientRedisTemplate.class, LettuceConnectionFactory.class })
	CircuitBreakerLogger agentMemoryRedisCircuitBreakerLogger(AsyncResilientRedisTemplate asyncResilientRedisTemplate,
			LettuceConnectionFactory redisConnectionFactory, CircuitBreakerRouting agentMemoryRedisCircuitBreakerRouting) {
		CircuitBreakerLogger logger = new CircuitBreakerLogger(asyncResilientRedisTemplate, redisConnectionFactory);
		agentMemoryRedisCircuitBreakerRouting.forEach((breaker) -> breaker.getEventPublisher()
			.onError(logger::onError)
			.onStateTransition(logger::onStateTransition));
		return logger;
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(AsyncResilientRedisTemplate.class)
	ResilientRedisTemplate resilientRedisTemplate(AsyncResilientRedisTemplate asyncResilientRedisTemplate,
			AgentMemoryRedisProperties properties, BeanFactory beanFactory) {
		return new ResilientRedisTemplate(asyncResilientRedisTemplate,
				blockingMaxWait(properties, BootRedis.timeouts(beanFactory)));
	}

	/** The retry settings, mapped onto the policy that calls and CRITICAL writes share. */
	static RetryPolicy retryPolicy(AgentMemoryRedisProperties properties) {
		AgentMemoryRedisProperties.Retry retry = properties.getRetry();
		RetryPolicy.Builder policy = RetryPolicy.builder();
		PropertyMapper map = NonNullPropertyMapper.get();
		map.from(retry::getMaxAttempts).to(policy::maxAttempts);
		map.from(retry::getInitialInterval).to(policy::initialInterval);
		map.from(retry::getMultiplier).to(policy::multiplier);
		map.from(retry::getMaxInterval).to(policy::maxInterval);
		map.from(retry::getJitter).to(policy::jitter);
		return policy.build();
	}

	/**
	 * The longest a blocking call can take: every attempt up to its command timeout and
	 * connection attempt, and every backoff at its longest (with jitter), plus a margin.
	 */
	static Duration blockingMaxWait(AgentMemoryRedisProperties properties, RedisTimeouts redisTimeouts) {
		AgentMemoryRedisProperties.FailFast failFast = properties.getFailFast();
		Duration timeout = (redisTimeouts.command() != null) ? redisTimeouts.command() : failFast.getCommandTimeout();
		Duration connect = (redisTimeouts.connect() != null) ? redisTimeouts.connect() : failFast.getConnectTimeout();
		RetryPolicy retry = retryPolicy(properties);
		Duration backoff = retry.totalBackoff().multipliedBy(2);
		return timeout.plus(connect).multipliedBy(retry.getMaxAttempts()).plus(backoff).plusSeconds(5);
	}

}
