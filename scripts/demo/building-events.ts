/**
 * Building events: things the physical world does to the simulated building, on request, so
 * that every alarm the gateway raises can be seen end to end (piactl watch, the console, MQTT,
 * /metrics). `npm start -- --events` reads them from standard input, one per line.
 *
 * Each event acts on a part of the virtual building (simulator/building.ts), never on the
 * gateway: what the gateway then reports is what it would report on real hardware.
 *
 *   door force | door open | door close | door exit     the front door (GPIO contact, exit button)
 *   safe force | safe open | safe close                 the safe's door
 *   fan stall | fan tach-unplugged | fan ok             the rack fan (tach stops / line cut / repaired)
 *   sensor fail <part> | sensor ok <part>               an I2C part stops answering (NACK) / answers again
 *   hvac fault fan|room|coil | hvac ok                  the fan-coil unit's motor or a sensor fails / repaired
 *   heat <watts>                                        the room's heat load (0–20000 W)
 *
 * Must hold: a bad line changes nothing and its error names the line and the commands.
 */
import type { VirtualBuilding } from '../../simulator/index.js';

type Parts = VirtualBuilding['parts'];
const I2C_PARTS = ['sht31', 'mcp9808', 'bme280', 'tmp102'] as const;
type I2cPartName = (typeof I2C_PARTS)[number];
const HVAC_FAULTS = ['fan', 'room', 'coil'] as const;
const MAX_HEAT_W = 20_000;

interface EventCommand {
  readonly usage: string;
  readonly run: (parts: Parts, args: readonly string[], b: VirtualBuilding) => string;
}

function door(which: 'door' | 'safe'): Readonly<Record<string, EventCommand>> {
  const part = (p: Parts) => (which === 'door' ? p.door : p.safe);
  const name = which === 'door' ? 'front door' : 'safe';
  return {
    force: { usage: `${which} force`, run: (p) => (part(p).forceOpen(), `${name}: forced open (the strike was not released)`) },
    open: { usage: `${which} open`, run: (p) => (part(p).openDoor() ? `${name}: opened (it was unlocked)` : `${name}: opened while locked: forced`) },
    close: { usage: `${which} close`, run: (p) => (part(p).closeDoor(), `${name}: closed`) },
  };
}

const COMMANDS: Readonly<Record<string, Readonly<Record<string, EventCommand>>>> = {
  door: { ...door('door'), exit: { usage: 'door exit', run: (p) => (p.door.pressExit(), 'front door: request-to-exit button pressed') } },
  safe: door('safe'),
  fan: {
    stall: { usage: 'fan stall', run: (p) => (p.fan.inject('stall'), 'rack fan: stalled (driven, tach stopped)') },
    'tach-unplugged': { usage: 'fan tach-unplugged', run: (p) => (p.fan.inject('tach-unplugged'), 'rack fan: tach line cut') },
    ok: { usage: 'fan ok', run: (p) => (p.fan.clear(), 'rack fan: repaired') },
  },
  sensor: {
    fail: { usage: `sensor fail ${I2C_PARTS.join('|')}`, run: (p, a) => (p[i2cPart(a)].faults.inject('nack'), `${a[0]}: no longer answers on i2c-1 (NACK)`) },
    ok: { usage: `sensor ok ${I2C_PARTS.join('|')}`, run: (p, a) => (p[i2cPart(a)].faults.clear(), `${a[0]}: answers again`) },
  },
  hvac: {
    fault: { usage: `hvac fault ${HVAC_FAULTS.join('|')}`, run: (p, a) => hvacFault(p, a) },
    ok: {
      usage: 'hvac ok',
      run: (p) => {
        p.hvac.unit.failFan(false);
        for (const s of ['room', 'coil'] as const) p.hvac.unit.failSensor(s, false);
        return 'HVAC unit: repaired';
      },
    },
  },
  heat: {
    '': {
      usage: 'heat <watts>',
      run: (_p, a, b) => {
        const watts = Number(a[0]);
        if (a.length !== 1 || !Number.isFinite(watts) || watts < 0 || watts > MAX_HEAT_W) throw new BuildingEventError(`heat takes one number of watts, 0–${MAX_HEAT_W}`);
        b.room.advance(); // the past at the old load (physics/room.ts)
        b.room.heatLoadW = watts;
        return `room: heat load ${watts} W`;
      },
    },
  },
};

export class BuildingEventError extends Error {}

function i2cPart(args: readonly string[]): I2cPartName {
  const name = args[0];
  if (args.length !== 1 || !(I2C_PARTS as readonly string[]).includes(name ?? '')) throw new BuildingEventError(`name one I2C part: ${I2C_PARTS.join(', ')}`);
  return name as I2cPartName;
}

function hvacFault(p: Parts, args: readonly string[]): string {
  const what = args[0];
  if (args.length !== 1 || !(HVAC_FAULTS as readonly string[]).includes(what ?? '')) throw new BuildingEventError(`name what fails: ${HVAC_FAULTS.join(', ')}`);
  if (what === 'fan') p.hvac.unit.failFan(true);
  else p.hvac.unit.failSensor(what as 'room' | 'coil', true);
  return `HVAC unit: ${what === 'fan' ? 'fan motor' : `${what} sensor`} failed`;
}

/** Every event, one usage line each. */
export function buildingEventUsage(): string[] {
  return Object.values(COMMANDS).flatMap((verbs) => Object.values(verbs).map((c) => c.usage));
}

/**
 * Applies one event line to the building and says what happened. A blank line or `help`
 * returns the list; anything unknown throws BuildingEventError naming it and the commands.
 */
export function applyBuildingEvent(building: VirtualBuilding, line: string): string {
  const words = line.trim().split(/\s+/).filter((w) => w !== '');
  const [subject, ...rest] = words;
  if (subject === undefined || subject === 'help') return `events: ${buildingEventUsage().join(' · ')}`;
  const verbs = COMMANDS[subject];
  const command = verbs?.[''] ?? verbs?.[rest[0] ?? ''];
  if (verbs === undefined || command === undefined) {
    throw new BuildingEventError(`unknown event "${line.trim().slice(0, 80)}"; one of: ${buildingEventUsage().join(' · ')}`);
  }
  const args = verbs[''] === undefined ? rest.slice(1) : rest;
  try {
    return command.run(building.parts, args, building);
  } catch (e) {
    if (e instanceof BuildingEventError) throw new BuildingEventError(`"${line.trim().slice(0, 80)}": ${e.message} (usage: ${command.usage})`);
    throw e;
  }
}
