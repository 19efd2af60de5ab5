/* eslint-disable @typescript-eslint/unbound-method -- the double passes on driver values of any kind as text, raises ORA- answers as plain records, and wraps the driver's own methods */
// Puts the Oracle double under node-oracledb's thin driver in this test's module registry: a connection whose
// connect string names the double's host gets a DoubleNetworkSession instead of a socket, and a session state
// as after a login to an Oracle 19c server. Everything above the network layer is the real driver: statement
// parsing, binds and their types, the TTC encoding of each request and the decoding of each response, fetch
// type handlers, out-binds, errors. What is not exercised: the listener, Native Network Encryption, TLS and the
// login's O5LOGON handshake (a refused login is raised as the driver raises it).
import {
  oracleErrors,
  ProtocolClass,
  StatementCacheClass,
  thinConnectionClass,
  type ThinMessage,
} from './driver-internals.ts';
import { DoubleNetworkSession } from './network-session.ts';
import type { OracleError } from './responses.ts';
import { OracleDoubleSession, type DoubleSettings } from './session.ts';

export const oracleDoubleHost = 'oracle-double.invalid';

interface Registered extends DoubleSettings {
  loginError?: OracleError;
  refusedLogins: number;
  readonly sessions: Set<OracleDoubleSession>;
}

const services = new Map<string, Registered>();

/** A database the double answers for, as `oracle://user:password@oracle-double.invalid:1521/<service>`. */
export function registerOracleDouble(service: string, settings: DoubleSettings) {
  const registered: Registered = { ...settings, sessions: new Set(), refusedLogins: 0 };
  services.set(service, registered);
  return {
    url: `oracle://delius_pool:secret@${oracleDoubleHost}:1521/${service}`,
    sessions: registered.sessions,
    /** How many logins were refused so far. */
    get refusedLogins() {
      return registered.refusedLogins;
    },
    /** Every new connection is refused with this error until cleared. */
    refuseLogins(error: OracleError | undefined) {
      registered.loginError = error;
    },
    unregister() {
      services.delete(service);
    },
  };
}

/** The driver's error for a refused call, made the way the driver makes it from a server's answer. */
export function driverError(error: OracleError): Error {
  const raised = Object.assign(new Error(error.message), { errorNum: error.num, offset: 0 });
  return oracleErrors.transformErr(raised);
}

type ThinConnection = Record<string, unknown> & {
  _protocol: InstanceType<typeof ProtocolClass>;
  _postConnect(auth: { sessionData: Record<string, string>; warning?: unknown }): void;
  _requiresDbTimeZoneInitialization(): boolean;
  _initializeDbTimeZone(): Promise<void>;
  statementCacheSize: number;
};

const installed = Symbol.for('workforce-allocations.oracle-double');
const prototype = thinConnectionClass.prototype;
if (!(installed in prototype)) {
  const realConnect = prototype.connect;
  Object.assign(prototype, {
    [installed]: true,
    async connect(this: ThinConnection, params: { connectString?: string; stmtCacheSize?: number }) {
      const match = new RegExp(`^${oracleDoubleHost.replaceAll('.', '\\.')}:\\d+/(.+)$`).exec(
        params.connectString ?? '',
      );
      const service = match?.[1] ? services.get(match[1]) : undefined;
      if (!service) return realConnect.call(this, params);
      if (service.loginError) {
        service.refusedLogins += 1;
        throw driverError(service.loginError);
      }
      Object.assign(this, {
        sessionID: 1,
        serialNum: 1,
        autoCommit: false,
        statementCacheSize: params.stmtCacheSize ?? 30,
        currentSchema: '',
        invokeSessionCallback: true,
        _tempLobsToClose: [],
        _tempLobsTotalSize: 0,
        _drcpEstablishSession: false,
        _drcpEnabled: false,
        _clientIdentifier: '',
        _action: '',
        _ecid: '',
        _dbOp: '',
        _clientInfo: '',
        _module: '',
        _nameSpaceMap: new Map(),
        _txnPriority: '',
        tpcContext: null,
        _sessionlessData: null,
        serviceName: match?.[1],
        remoteAddress: oracleDoubleHost,
        purity: 0,
      });
      const nscon = new DoubleNetworkSession();
      const protocol = new ProtocolClass({ nscon });
      // As negotiated with a 19c server: its TTC field version, and MAX_STRING_SIZE=STANDARD.
      protocol.caps['ttcFieldVersion'] = 13;
      protocol.caps['maxStringSize'] = 4000;
      const session = new OracleDoubleSession(service, protocol.caps);
      nscon.session = session;
      const encode = protocol._encodeMessage.bind(protocol);
      protocol._encodeMessage = async (message: ThinMessage & { messageType?: number }) => {
        await encode(message);
        nscon.respond(message);
      };
      Object.assign(this, { nscon, _protocol: protocol });
      service.sessions.add(session);
      this._postConnect({
        sessionData: {
          AUTH_VERSION_NO: String((19 << 24) | (21 << 16)),
          AUTH_MAX_OPEN_CURSORS: '300',
          AUTH_SC_SERVICE_NAME: match?.[1] ?? '',
          AUTH_MAX_IDEN_LENGTH: '128',
          AUTH_SC_DBUNIQUE_NAME: 'DNDA',
          AUTH_INSTANCENAME: 'DNDA1',
          AUTH_DBNAME: 'DNDA',
        },
      });
      Object.assign(this, {
        statementCache: new StatementCacheClass(this.statementCacheSize),
        _partialDbObjectTypes: [],
      });
      if (this._requiresDbTimeZoneInitialization()) await this._initializeDbTimeZone();
      protocol['connInProgress'] = false;
    },
  });
}
