/**
 * The `/incident` slash command as Discord application command JSON (type 1 = chat input;
 * option types: 1 subcommand, 3 string), and the war room's message command "Add to timeline"
 * (type 3: right-click a message → Apps). `firebreak discord register-commands` PUTs both.
 */
import { INCIDENT_STATUSES, ROLES, SEVERITIES } from '../../core/types.ts';
import { ADD_TO_TIMELINE } from '../warroom/scribe.ts';

const STRING = 3;
const SUBCOMMAND = 1;
const incidentOption = { type: STRING, name: 'incident', description: 'incident id (default: the war room\'s incident, or the only open one)', required: false };
const choices = (values: readonly string[]) => values.map((value) => ({ name: value, value }));

export const INCIDENT_COMMAND = {
  name: 'incident',
  type: 1,
  description: 'Run the incident: status, declare, ack, update, note, role, resolve',
  options: [
    { type: SUBCOMMAND, name: 'status', description: 'Show the open incident', options: [incidentOption] },
    {
      type: SUBCOMMAND,
      name: 'declare',
      description: 'Declare an incident',
      options: [
        { type: STRING, name: 'title', description: 'what is happening', required: true },
        { type: STRING, name: 'severity', description: 'S0 (worst) to S3', required: true, choices: choices(SEVERITIES) },
        { type: STRING, name: 'summary', description: 'details', required: false },
      ],
    },
    { type: SUBCOMMAND, name: 'ack', description: 'Acknowledge the page', options: [incidentOption] },
    {
      type: SUBCOMMAND,
      name: 'update',
      description: 'Post a status update to every audience',
      options: [
        { type: STRING, name: 'message', description: 'what is known and what is being done', required: true },
        { type: STRING, name: 'status', description: 'new status', required: false, choices: choices(INCIDENT_STATUSES) },
        incidentOption,
      ],
    },
    {
      type: SUBCOMMAND,
      name: 'note',
      description: "Add a line to the timeline (the scribe's tool)",
      options: [{ type: STRING, name: 'text', description: 'the note', required: true }, incidentOption],
    },
    {
      type: SUBCOMMAND,
      name: 'role',
      description: 'Assign an incident role',
      options: [
        { type: STRING, name: 'role', description: 'the role', required: true, choices: choices(ROLES) },
        { type: STRING, name: 'who', description: 'who takes it', required: true },
        incidentOption,
      ],
    },
    {
      type: SUBCOMMAND,
      name: 'resolve',
      description: 'Resolve the incident',
      options: [{ type: STRING, name: 'message', description: 'closing words', required: false }, incidentOption],
    },
    {
      type: SUBCOMMAND,
      name: 'rollback',
      description: 'Roll back a bad upgrade through the rollback governor (the allowance governance set)',
      options: [{ type: STRING, name: 'proxy', description: "the proxy (default: the incident bridge's)", required: false }, incidentOption],
    },
  ],
} as const;

/** A message command has a name and no description; it arrives with the message it was used on. */
export const ADD_TO_TIMELINE_COMMAND = { name: ADD_TO_TIMELINE, type: 3 } as const;

export const COMMAND_DEFINITIONS = [INCIDENT_COMMAND, ADD_TO_TIMELINE_COMMAND];
