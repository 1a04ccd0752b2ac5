package io.github.agentmemory.redis.autoconfigure;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.CircuitBreakerLogger;
import io.github.agentmemory.redis.ResilientRedisTemplate;
import io.github.agentmemory.redis.command.StoreFunction;
import io.github.agentmemory.redis.recovery.RecoveryProcessor;
import io.github.agentmemory.redis.resilience.RedisCircuitBreakers;
import io.github.agentmemory.redis.resilience.RedisExceptionTranslator;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.ResilienceScheduler;
import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of the resilient Redis templates over the application's
 * {@link LettuceConnectionFactory}.
 *
 * @author agent-memory-redis
 */
@AutoConfiguration(after = RedisAutoConfiguration.class,
		afterName = { "io.github.resilience4j.springboot3.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
				"io.github.resilience4j.springboot3.retry.autoconfigure.RetryAutoConfiguration" })
@ConditionalOnClass({ LettuceConnectionFactory.class, CircuitBreaker.class, Retry.class })
@ConditionalOnProperty(prefix = "agent-memory.redis", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(AgentMemoryRedisProperties.class)
@Import({ LettuceFailFastConfiguration.class, LettuceClusterRefreshConfiguration.class,
		LettuceFlushConsolidationConfiguration.class })
public class AgentMemoryRedisAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ResilienceScheduler agentMemoryRedisScheduler(AgentMemoryRedisProperties properties) {
		return new ResilienceScheduler(properties.getScheduler().getPoolSize());
	}

	@Bean
	@ConditionalOnMissingBean
	ResilientCommandExecutor agentMemoryRedisCommandExecutor(AgentMemoryRedisProperties properties,
			ResilienceScheduler agentMemoryRedisScheduler, ObjectProvider<CircuitBreakerRegistry> circuitBreakerRegistry,
			ObjectProvider<RetryRegistry> retryRegistry) {
		AgentMemoryRedisProperties.CircuitBreaker breakerProperties = properties.getCircuitBreaker();
		CircuitBreakerConfig breakerConfig = RedisCircuitBreakers.config(breakerProperties.getFailureThreshold(),
				breakerProperties.getWaitDurationInOpenState(), breakerProperties.getPermittedCallsInHalfOpenState());
		CircuitBreakerRegistry breakers = circuitBreakerRegistry.getIfAvailable();
		CircuitBreaker circuitBreaker = (breakers != null)
				? breakers.circuitBreaker(RedisCircuitBreakers.NAME, breakerConfig)
				: CircuitBreaker.of(RedisCircuitBreakers.NAME, breakerConfig);
		RetryConfig retryConfig = properties.getRetry().toPolicy().toRetryConfig();
		RetryRegistry retries = retryRegistry.getIfAvailable();
		Retry retry = (retries != null) ? retries.retry(RedisCircuitBreakers.NAME, retryConfig)
				: Retry.of(RedisCircuitBreakers.NAME, retryConfig);
		return new ResilientCommandExecutor(circuitBreaker, retry, agentMemoryRedisScheduler.getExecutor(),
				new RedisFaultClassifier(), new RedisExceptionTranslator());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(RedisConnectionFactory.class)
	AsyncResilientRedisTemplate asyncResilientRedisTemplate(RedisConnectionFactory redisConnectionFactory,
			ResilientCommandExecutor agentMemoryRedisCommandExecutor, AgentMemoryRedisProperties properties) {
		if (!(redisConnectionFactory instanceof LettuceConnectionFactory lettuceConnectionFactory)) {
			throw new IllegalStateException("agent-memory-redis needs Spring Data Redis's LettuceConnectionFactory, "
					+ "but the application's RedisConnectionFactory is a " + redisConnectionFactory.getClass().getName()
					+ ". Use Lettuce (the default client of spring-boot-starter-data-redis) "
					+ "or set agent-memory.redis.enabled=false.");
		}
		return new AsyncResilientRedisTemplate(lettuceConnectionFactory, agentMemoryRedisCommandExecutor,
				properties.getRetry().toPolicy(), properties.getRecovery().toSettings(),
				StoreFunction.hash(properties.getAgentState().getKeyPattern()));
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(AsyncResilientRedisTemplate.class)
	@ConditionalOnProperty(prefix = "agent-memory.redis.recovery", name = "enabled", matchIfMissing = true)
	RecoveryProcessor agentMemoryRedisRecoveryProcessor(AsyncResilientRedisTemplate asyncResilientRedisTemplate,
			ResilienceScheduler agentMemoryRedisScheduler, AgentMemoryRedisProperties properties) {
		return new RecoveryProcessor(asyncResilientRedisTemplate.getWriteSequencer(),
				agentMemoryRedisScheduler.getExecutor(), properties.getRetry().getMaxInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ AsyncResilientRedisTemplate.class, LettuceConnectionFactory.class })
	CircuitBreakerLogger agentMemoryRedisCircuitBreakerLogger(AsyncResilientRedisTemplate asyncResilientRedisTemplate,
			LettuceConnectionFactory redisConnectionFactory) {
		CircuitBreakerLogger logger = new CircuitBreakerLogger(asyncResilientRedisTemplate, redisConnectionFactory);
		asyncResilientRedisTemplate.getExecutor()
			.getCircuitBreaker()
			.getEventPublisher()
			.onError(logger::onError)
			.onStateTransition(logger::onStateTransition);
		return logger;
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(AsyncResilientRedisTemplate.class)
	ResilientRedisTemplate resilientRedisTemplate(AsyncResilientRedisTemplate asyncResilientRedisTemplate) {
		return new ResilientRedisTemplate(asyncResilientRedisTemplate);
	}

}
