/** Answers a well-behaved model could give for the golden result (every claim a cited fact). */
export const GOOD_SUMMARY = [
  { text: 'tripline analysed 53 events from 1 device and raised 15 alerts.', cites: ['F2', 'F5', 'F8'] },
  {
    text: 'The most severe alert, A1, is of high severity and maps to T1133 External Remote Services.',
    cites: ['A1.severity', 'A1.mitre'],
  },
];

export const GOOD_ALERTS = [
  {
    alertId: 'A1',
    sentences: [
      {
        text: 'The device wazuh1.x0rsjvjofsvujdf53bjf3swsje.bx.internal.cloudapp.net is seen at public address 52.186.168.241.',
        cites: ['A1.device', 'A1.value.publicIp'],
      },
      {
        text: 'Its 3 events fall between 2025-11-07T06:46:02.9561661Z and 2025-11-07T06:46:39.284641Z.',
        cites: ['A1.count', 'A1.first', 'A1.last'],
      },
    ],
  },
  {
    alertId: 'A4',
    sentences: [
      {
        text: 'The shell /usr/bin/dash was replaced by "lsof" twice, in the group "mdatp (gid 997)".',
        cites: ['A4.value.fromPath', 'A4.value.to', 'A4.count', 'A4.value.groups'],
      },
    ],
  },
];

export const GOOD_ANSWER = { summary: GOOD_SUMMARY, alerts: GOOD_ALERTS };
