package io.github.agentmemory.redis.resilience;

import java.util.concurrent.ScheduledExecutorService;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * The library's own scheduler, for retry backoff, the deadlines of waiting writes and the
 * recovery processor. A library must not switch on scheduling for the whole application
 * (no {@code @EnableScheduling}), and it must not register a {@code TaskScheduler} bean
 * that would replace the application's; so this holder is deliberately not one.
 *
 * <p>
 * Its daemon threads are named {@code agent-memory-redis-N}. Nothing that runs on them
 * waits for Redis: connection attempts run on a thread of their own
 * ({@code agent-memory-redis-connect}).
 *
 * @author agent-memory-redis
 */
public class ResilienceScheduler implements DisposableBean {

	private final ThreadPoolTaskScheduler scheduler;

	/**
	 * Create and start a scheduler.
	 * @param poolSize the number of threads, at least 1
	 */
	public ResilienceScheduler(int poolSize) {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(poolSize);
		scheduler.setThreadNamePrefix("agent-memory-redis-");
		scheduler.setDaemon(true);
		scheduler.setRemoveOnCancelPolicy(true);
		scheduler.setWaitForTasksToCompleteOnShutdown(false);
		scheduler.initialize();
		this.scheduler = scheduler;
	}

	/**
	 * The underlying executor, to schedule work with.
	 * @return the executor
	 */
	public ScheduledExecutorService getExecutor() {
		return this.scheduler.getScheduledExecutor();
	}

	/**
	 * The scheduler, for code that prefers Spring's {@code TaskScheduler} interface.
	 * @return the scheduler
	 */
	public ThreadPoolTaskScheduler getTaskScheduler() {
		return this.scheduler;
	}

	@Override
	public void destroy() {
		this.scheduler.shutdown();
	}

}
