// Whether Docker answers, asked the way testcontainers will ask it when it starts the containers
// (its own runtime check, which tries ~/.testcontainers.properties, DOCKER_HOST, /var/run/docker.sock
// and the rootless sockets in turn), so `up --provider testcontainers` fails on one line before it
// makes anything.

export type DockerProbe = () => Promise<unknown>;

/** testcontainers' check; loaded only for this provider (it brings dockerode and more). */
export const testcontainersProbe: DockerProbe = async () => {
  const { getContainerRuntimeClient } = await import('testcontainers');
  return getContainerRuntimeClient();
};

/** The line `up` fails with; testcontainers' own reason follows in parentheses. */
export const NO_DOCKER = '--provider testcontainers needs Docker, and none answers here (testcontainers tried DOCKER_HOST, '
  + '~/.testcontainers.properties and /var/run/docker.sock); start Docker, or use --provider local';

export async function requireDocker(probe: DockerProbe = testcontainersProbe): Promise<void> {
  try {
    await probe();
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).trim().split('\n')[0];
    throw new Error(`${NO_DOCKER}${why ? ` (${why})` : ''}`);
  }
}
