// The network layer of one thin-mode connection, replaced: where node-oracledb's NetworkSession would write
// the request's packets to a socket and read the server's back, this one hands each request, once the driver
// has encoded it, to the double's session, and gives the driver the response packets that session wrote.
import type { ThinMessage } from './driver-internals.ts';
import { packetOf } from './responses.ts';
import type { OracleDoubleSession } from './session.ts';

type Packet = ReturnType<typeof packetOf>;

export class DoubleNetworkSession {
  readonly sAtts = { sdu: 8192, version: 319 };
  readonly ntAdapter = { pauseWrite: () => Promise.resolve(), shouldPauseWrite: () => false };
  isBreak = false;
  endOfRequestSupport = false;
  pipelineEnabled = false;
  supportsFastAuth = false;
  connected = true;
  private readonly queue: Packet[] = [];
  private pending: Promise<void> = Promise.resolve();

  /** Set once the protocol (which reads this session's attributes) has been made. */
  session!: OracleDoubleSession;

  /** The request's bytes, as the driver encoded them: the double answers from the request itself (`respond`). */
  sendPacket(): void {}

  respond(message: ThinMessage): void {
    this.pending = this.pending.then(async () => {
      this.queue.push(packetOf(await this.session.answer(message)));
    });
  }

  async recvPacket(): Promise<Packet> {
    await this.pending;
    const packet = this.queue.shift();
    if (!packet) throw new Error('NJS-500: connection to the Oracle Database was broken');
    return packet;
  }

  syncRecvPacket(): Packet | undefined {
    return this.queue.shift();
  }

  sendBreak(): void {
    this.isBreak = true;
  }

  async reset(): Promise<void> {
    await this.pending;
    this.queue.length = 0;
    this.queue.push(packetOf(this.session.cancelled()));
    this.isBreak = false;
  }

  /** 0 while connected: what `isHealthy()` asks before Sequelize's pool hands the connection out again. */
  recvInbandNotif(): number {
    return this.connected ? 0 : -1;
  }

  getOption(): undefined {
    return undefined;
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    void this.session.close();
  }
}
