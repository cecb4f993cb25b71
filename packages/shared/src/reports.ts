// Reports: inputs, outputs and the pure computation shared by the server and the offline console.
export {};
