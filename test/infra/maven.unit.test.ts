import { mvn } from '../../infra/maven.ts';

describe('Maven, which fetches the process stack’s servers', () => {
  it('says what to install, and the other way, where mvn is not on the PATH', async () => {
    const fetching = mvn(['--version'], process.cwd(), 'mvn-that-is-not-installed');
    await expect(fetching).rejects.toThrow(/mvn-that-is-not-installed is not on the PATH/);
    await expect(fetching).rejects.toThrow(/Install Maven 3\.8 or newer/);
    await expect(fetching).rejects.toThrow(/Docker engine/);
  });
});
